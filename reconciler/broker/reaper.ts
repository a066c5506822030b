/**
 * The reaper's decisions as a pure function of the live runs, the per-run networks, the grants and the manager's
 * clock: which queued runs to promote, which runs to stop (and how they ended), which finished runs have outlived
 * retention, which networks lost their run. The executor carries the actions out; a broker restarted at any moment
 * decides the same from the same Swarm objects (note §5.6).
 */
import type { EffectiveJobsPolicy } from '../desired-state/broker-policy.ts';
import type { GlobalLimits } from './quota.ts';
import { isLive, type RunView } from './run-state.ts';

/** Task timestamps come from the workers' clocks: a run is given this much slack before it is judged late. */
export const CLOCK_SKEW_SECONDS = 30;

export type ReapAction =
  | { kind: 'promote'; serviceId: string; runId: string }
  | { kind: 'stop'; serviceId: string; runId: string; outcome: 'timed_out' | 'unschedulable' | 'rejected'; reason: string }
  | { kind: 'expire'; serviceId: string; runId: string }
  | { kind: 'remove-network'; networkId: string; runId: string };

export interface ReapInput {
  runs: readonly RunView[];
  /** Per-run networks (labelled base.broker.run) as id → run id. */
  networks: ReadonlyArray<{ id: string; runId: string }>;
  grants: ReadonlyMap<string, EffectiveJobsPolicy>;
  global: GlobalLimits;
  finishedJobSeconds: number;
  /** Unix seconds, the manager's clock. */
  now: number;
}

export function decideReaping(input: ReapInput): ReapAction[] {
  const actions: ReapAction[] = [];
  const stopped = new Set<string>();
  const stop = (run: RunView, outcome: 'timed_out' | 'unschedulable' | 'rejected', reason: string) => {
    stopped.add(run.serviceId);
    actions.push({ kind: 'stop', serviceId: run.serviceId, runId: run.runId, outcome, reason });
  };
  for (const run of input.runs) {
    const late = (limit: number) => input.now > limit + CLOCK_SKEW_SECONDS;
    if (isLive(run) && input.now > run.deadline) {
      stop(run, run.state === 'running' ? 'timed_out' : 'unschedulable', `past its deadline (${new Date(run.deadline * 1000).toISOString()})`);
    } else if (run.state === 'running' && run.startedAt !== null && late(run.startedAt + run.timeoutSeconds)) {
      stop(run, 'timed_out', `running longer than its ${run.timeoutSeconds} s timeout`);
    } else if ((run.state === 'queued' || run.state === 'pending') && input.now > run.createdAt + run.queueTimeoutSeconds) {
      stop(run, 'unschedulable', run.reason ? `not started within ${run.queueTimeoutSeconds} s: ${run.reason}` : `not started within ${run.queueTimeoutSeconds} s`);
    } else if (!isLive(run) && run.finishedAt !== null && input.now > run.finishedAt + input.finishedJobSeconds) {
      actions.push({ kind: 'expire', serviceId: run.serviceId, runId: run.runId });
    }
  }

  // Promote the oldest queued runs of each slug into the slots that are free once the stops above take effect.
  const remaining = input.runs.filter((run) => isLive(run) && !stopped.has(run.serviceId));
  let globalActive = remaining.filter((run) => run.state !== 'queued').length;
  const slugs = [...new Set(remaining.filter((run) => run.state === 'queued').map((run) => run.slug))].sort();
  // Oldest first across slugs, so one slug's queue cannot starve another's at the global cap.
  const queued = remaining.filter((run) => run.state === 'queued').sort((a, b) => a.createdAt - b.createdAt || (a.runId < b.runId ? -1 : 1));
  const activeBySlug = new Map(slugs.map((slug) => [slug, remaining.filter((run) => run.slug === slug && run.state !== 'queued').length]));
  for (const run of queued) {
    const grant = input.grants.get(run.slug);
    const active = activeBySlug.get(run.slug) ?? 0;
    if (!grant || active >= grant.max_concurrent || globalActive >= input.global.max_concurrent) continue;
    actions.push({ kind: 'promote', serviceId: run.serviceId, runId: run.runId });
    activeBySlug.set(run.slug, active + 1);
    globalActive += 1;
  }

  const withService = new Set(input.runs.map((run) => run.runId));
  for (const network of input.networks) {
    if (!withService.has(network.runId)) actions.push({ kind: 'remove-network', networkId: network.id, runId: network.runId });
  }
  return actions;
}
