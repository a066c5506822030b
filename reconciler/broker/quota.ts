/**
 * Quotas, decided from the live runs (Swarm services and their labels) at the moment of admission, never from a
 * counter the broker keeps: a broker restarted at any moment counts exactly what runs. The caller holds one mutex
 * around `decideQuota` and the service creation that follows, so two admissions never see the same free slot.
 */
import type { EffectiveJobsPolicy } from '../desired-state/broker-policy.ts';
import { isLive, type RunView } from './run-state.ts';

export interface Usage {
  running: number;
  pending: number;
  queued: number;
  gpus: number;
}

export interface GlobalLimits {
  max_concurrent: number;
  max_concurrent_gpus: number;
}

export type QuotaDecision =
  | { admit: 'now' }
  | { admit: 'queue' }
  | { admit: 'no'; limit: 'max_concurrent' | 'max_gpus' | 'max_queued' | 'global_max_concurrent' | 'global_max_concurrent_gpus'; current: number; max: number; detail: string };

export function usageOf(runs: readonly RunView[], slug?: string): Usage {
  const usage: Usage = { running: 0, pending: 0, queued: 0, gpus: 0 };
  for (const run of runs) {
    if (!isLive(run) || (slug !== undefined && run.slug !== slug)) continue;
    if (run.state === 'queued') usage.queued += 1;
    else {
      if (run.state === 'running') usage.running += 1;
      else usage.pending += 1;
      usage.gpus += run.gpus;
    }
  }
  return usage;
}

/**
 * Whether a new run of `slug` asking for `gpus` may start now, wait in the queue (native route only: `canQueue`),
 * or is refused with the limit it hit. The compat route cannot queue: the reference answers 429 at the cap.
 */
export function decideQuota(input: { slug: string; gpus: number; grant: EffectiveJobsPolicy; global: GlobalLimits; runs: readonly RunView[]; canQueue: boolean }): QuotaDecision {
  const mine = usageOf(input.runs, input.slug);
  const all = usageOf(input.runs);
  const active = mine.running + mine.pending;
  if (input.gpus > 0 && mine.gpus + input.gpus > input.grant.max_gpus) {
    return { admit: 'no', limit: 'max_gpus', current: mine.gpus, max: input.grant.max_gpus, detail: `docker_quota_exceeded: challenge '${input.slug}' is at its GPU cap (${mine.gpus}/${input.grant.max_gpus} GPUs in use)` };
  }
  if (input.gpus > 0 && all.gpus + input.gpus > input.global.max_concurrent_gpus) {
    return { admit: 'no', limit: 'global_max_concurrent_gpus', current: all.gpus, max: input.global.max_concurrent_gpus, detail: `docker_quota_exceeded: the broker is at its GPU cap (${all.gpus}/${input.global.max_concurrent_gpus} GPUs in use)` };
  }
  const slotFree = active < input.grant.max_concurrent && all.running + all.pending < input.global.max_concurrent;
  if (slotFree && mine.queued === 0) return { admit: 'now' };
  if (input.canQueue && mine.queued < input.grant.max_queued) return { admit: 'queue' };
  if (input.canQueue && input.grant.max_queued > 0) {
    return { admit: 'no', limit: 'max_queued', current: mine.queued, max: input.grant.max_queued, detail: `docker_quota_exceeded: challenge '${input.slug}' has ${mine.queued}/${input.grant.max_queued} runs queued` };
  }
  if (active >= input.grant.max_concurrent) {
    // The reference broker's string, so clients that parse it keep working.
    return { admit: 'no', limit: 'max_concurrent', current: active, max: input.grant.max_concurrent, detail: `docker_quota_exceeded: challenge '${input.slug}' is at its concurrency cap (${active}/${input.grant.max_concurrent} active workloads)` };
  }
  if (all.running + all.pending >= input.global.max_concurrent) {
    return { admit: 'no', limit: 'global_max_concurrent', current: all.running + all.pending, max: input.global.max_concurrent, detail: `docker_quota_exceeded: the broker is at its concurrency cap (${all.running + all.pending}/${input.global.max_concurrent} active workloads)` };
  }
  // A free slot, but older runs of this slug wait in the queue: the new one may not overtake them.
  return { admit: 'no', limit: 'max_queued', current: mine.queued, max: input.grant.max_queued, detail: `docker_quota_exceeded: challenge '${input.slug}' has runs waiting in the queue` };
}
