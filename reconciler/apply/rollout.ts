/**
 * Waiting for a service's rollout to converge after a create or update, the way `docker service create --detach=false`
 * does: the service's UpdateStatus (for task-template changes) and its tasks (desired running tasks all running and
 * stable) — within a timeout. Swarm's own rollback, a paused update or a timeout is a failure.
 */
import type Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RolloutOptions {
  timeoutMs: number;
  pollMs: number;
  /** How long a new task must stay running before it counts (catches images that exit at once). */
  stableMs: number;
}

export interface RolloutOutcome {
  ok: boolean;
  /** One line: what was observed last ("1/1 tasks running", "rolled back by Swarm: ...", "timed out ..."). */
  detail: string;
}

const FAILED_UPDATE_STATES = new Set(['rollback_started', 'rollback_completed', 'rollback_paused', 'paused']);

interface TaskInfo {
  DesiredState?: string;
  Status?: { State?: string; Timestamp?: string; Err?: string; Message?: string };
  CreatedAt?: string;
}

/**
 * @param since when the create/update call was sent; UpdateStatus entries older than that belong to an earlier rollout.
 * @param expectRollout true when the update changed the task template (Swarm then runs an update with UpdateStatus).
 */
export async function waitForRollout(
  docker: Docker,
  serviceId: string,
  since: Date,
  expectRollout: boolean,
  options: RolloutOptions,
): Promise<RolloutOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no observation yet';
  let lastTaskError = '';
  for (;;) {
    const info = (await docker.getService(serviceId).inspect()) as {
      Spec?: { Mode?: { Replicated?: { Replicas?: number }; Global?: object }; UpdateConfig?: { Monitor?: number } };
      UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
    };
    const status = info.UpdateStatus;
    const statusIsOurs = status?.StartedAt !== undefined && Date.parse(status.StartedAt) >= since.getTime() - 2000;
    if (status && statusIsOurs && status.State && FAILED_UPDATE_STATES.has(status.State)) {
      const what = status.State === 'paused' ? 'update paused by Swarm' : `rolled back by Swarm (${status.State})`;
      return { ok: false, detail: `${what}: ${status.Message ?? 'no message'}${lastTaskError ? `; task error: ${lastTaskError}` : ''}` };
    }
    const rolloutDone = !expectRollout || (statusIsOurs && status?.State === 'completed');

    const tasks = (await docker.listTasks({ filters: { service: [serviceId], 'desired-state': ['running'] } })) as TaskInfo[];
    const shutdown = (await docker.listTasks({ filters: { service: [serviceId], 'desired-state': ['shutdown'] } })) as TaskInfo[];
    let failedSince = 0;
    for (const task of shutdown) {
      const state = task.Status?.State;
      if ((state === 'failed' || state === 'rejected') && task.CreatedAt && Date.parse(task.CreatedAt) >= since.getTime() - 2000) {
        failedSince += 1;
        lastTaskError = task.Status?.Err ?? task.Status?.Message ?? state;
      }
    }
    const wanted = info.Spec?.Mode?.Replicated ? (info.Spec.Mode.Replicated.Replicas ?? 1) : null;
    const running = tasks.filter((task) => task.Status?.State === 'running');
    const stable = running.filter((task) => {
      const startedAt = Date.parse(task.Status?.Timestamp ?? '');
      return Number.isFinite(startedAt) && Date.now() - startedAt >= options.stableMs;
    });
    const enough = wanted === null ? tasks.length > 0 && running.length === tasks.length : running.length === wanted && tasks.length === wanted;
    last = `${running.length}/${wanted ?? tasks.length} tasks running${status && statusIsOurs ? `, update ${status.State}` : ''}`;
    if (rolloutDone && enough && (stable.length === running.length || wanted === 0)) return { ok: true, detail: last };
    // Without a rollout Swarm never gives up on its own: a new task that failed twice and none running is a failed start.
    if (!expectRollout && failedSince >= 2 && stable.length === 0) {
      return { ok: false, detail: `tasks keep failing (${failedSince} failed, ${last}): ${lastTaskError}` };
    }
    if (Date.now() >= deadline) {
      return { ok: false, detail: `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for the rollout (${last})${lastTaskError ? `; task error: ${lastTaskError}` : ''}` };
    }
    await sleep(options.pollMs);
  }
}
