/**
 * The reference broker's synchronous run (`POST /v1/docker/run`): admit, count the quota and create under one mutex,
 * wait for the end within one budget from receipt (queueing and image pulls included), answer the reference's
 * `BrokerRunResponse`, remove the run. Return codes: the job's own exit code; 124 timed out; 125 the job could not be
 * started or placed (Swarm's reason in stderr, where the reference said 1 and blamed the miner); 137 cancelled.
 */
import { randomBytes } from 'node:crypto';
import { admitRun, type AdmissionContext } from './admit-run.ts';
import { compileRun, runNetworkName, type RunContext } from './compile-run.ts';
import { decideQuota, type GlobalLimits } from './quota.ts';
import type { BrokerRunRequest } from './run-request.ts';
import type { SwarmRunBackend } from './swarm-backend.ts';

export interface BrokerRunResponse {
  container_name: string;
  stdout: string;
  stderr: string;
  returncode: number;
  timed_out: boolean;
  /** Additions the reference SDK ignores (it reads the fields above with .get). */
  run_id: string;
  state: 'succeeded' | 'failed' | 'timed_out' | 'rejected' | 'unschedulable' | 'cancelled' | 'lost';
}

export type CompatRunResult = { status: 200; body: BrokerRunResponse } | { status: 400 | 403 | 413 | 429; body: { detail: string }; retryAfterSeconds?: number };

export interface CompatRunDeps {
  backend: Pick<SwarmRunBackend, 'listRuns' | 'create' | 'viewRun' | 'logs' | 'remove'>;
  /** Serialises quota counting and creation: two admissions never see the same free slot. */
  withAdmissionLock: <T>(work: () => Promise<T>) => Promise<T>;
  global: GlobalLimits;
  mode: RunContext['mode'];
  policyRevision: string;
  encryptNetwork: boolean;
  logCapBytes: number;
  /** Runs removed by cleanup while their request waits: they answer 137 at once. */
  cancelled: Set<string>;
  pollMs?: number;
  now?: () => number;
}

/** A sortable, unique run id: 10 characters of time, 16 of randomness (Crockford base32, lower case). */
export function newRunId(nowMs: number = Date.now()): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = [...randomBytes(16)].map((b) => alphabet[b % 32]).join('');
  return time + random;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runCompat(request: BrokerRunRequest, admission: AdmissionContext, deps: CompatRunDeps): Promise<CompatRunResult> {
  const now = deps.now ?? Date.now;
  const receivedAt = now();
  const admitted = admitRun(request, admission);
  if (!admitted.ok) return { status: admitted.refusal.status, body: { detail: admitted.refusal.detail } };
  const run = admitted.run;
  const runId = newRunId(receivedAt);
  const context: RunContext = { runId, receivedAt: new Date(receivedAt), api: 'compat', mode: deps.mode, queued: false, policyRevision: deps.policyRevision, encryptNetwork: deps.encryptNetwork };
  const compiled = compileRun(run, context);
  const networkName = compiled.network ? runNetworkName(runId) : null;

  const created = await deps.withAdmissionLock(async (): Promise<{ refused: string } | { serviceId: string }> => {
    const runs = await deps.backend.listRuns();
    const quota = decideQuota({ slug: run.slug, gpus: run.gpuCount, grant: admission.grant, global: deps.global, runs, canQueue: false });
    if (quota.admit === 'no') return { refused: quota.detail };
    if (quota.admit === 'queue') return { refused: 'docker_quota_exceeded' };
    return { serviceId: await deps.backend.create(compiled) };
  });
  if ('refused' in created) return { status: 429, body: { detail: created.refused }, retryAfterSeconds: 5 };

  const serviceId = created.serviceId;
  const name = compiled.service.Name;
  const deadlineMs = receivedAt + run.timeoutSeconds * 1000;
  const answer = (returncode: number, state: BrokerRunResponse['state'], logs: { stdout: string; stderr: string }, timedOut = false): CompatRunResult => ({
    status: 200,
    body: { container_name: name, stdout: logs.stdout, stderr: logs.stderr, returncode, timed_out: timedOut, run_id: runId, state },
  });
  try {
    for (;;) {
      if (deps.cancelled.has(runId)) return answer(137, 'cancelled', { stdout: '', stderr: 'cancelled by cleanup' });
      const view = await deps.backend.viewRun(serviceId);
      if (!view) return deps.cancelled.has(runId) ? answer(137, 'cancelled', { stdout: '', stderr: 'cancelled by cleanup' }) : answer(125, 'lost', { stdout: '', stderr: 'the run vanished from the Swarm before it ended' });
      if (view.state === 'succeeded' || view.state === 'failed') {
        const logs = await deps.backend.logs(serviceId, deps.logCapBytes);
        return answer(view.exitCode ?? (view.state === 'failed' ? 1 : 0), view.state, logs);
      }
      if (view.state === 'rejected') return answer(125, 'rejected', { stdout: '', stderr: view.reason ?? 'Swarm could not start the job' });
      if (now() >= deadlineMs) {
        const logs = view.state === 'running' ? await deps.backend.logs(serviceId, deps.logCapBytes).catch(() => ({ stdout: '', stderr: '' })) : { stdout: '', stderr: view.reason ?? '' };
        return view.state === 'running' ? answer(124, 'timed_out', logs, true) : answer(124, 'unschedulable', { stdout: '', stderr: `not started within ${run.timeoutSeconds} s${logs.stderr ? `: ${logs.stderr}` : ''}` }, true);
      }
      await sleep(Math.min(deps.pollMs ?? 500, Math.max(10, deadlineMs - now())));
    }
  } finally {
    deps.cancelled.delete(runId);
    await deps.backend.remove(serviceId, networkName);
  }
}
