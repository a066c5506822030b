/**
 * The broker's whole policy, read from the applied desired state: each challenge's grant, the broker's defaults,
 * caps and datasets, and the hashes of the per-challenge broker tokens (the broker never holds a token itself).
 */
import { effectiveJobsPolicy, type EffectiveJobsPolicy } from '../desired-state/broker-policy.ts';
import { parseMemoryBytes } from '../desired-state/resources.ts';
import type { SubnetDesiredState } from '../desired-state/subnet.types.ts';
import type { BrokerDefaults } from './admit-run.ts';
import type { GlobalLimits } from './quota.ts';

export interface BrokerPolicy {
  revision: string;
  production: boolean;
  grants: ReadonlyMap<string, EffectiveJobsPolicy>;
  defaults: BrokerDefaults;
  datasets: ReadonlyMap<string, { version: string; path: string }>;
  global: GlobalLimits;
  maxRequestBytes: number;
  /** slug → sha256 hex of its broker token. */
  tokenHashes: ReadonlyMap<string, string>;
  finishedJobSeconds: number;
  logCapBytes: number;
}

const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export function brokerPolicyFrom(state: SubnetDesiredState, tokenHashes: ReadonlyMap<string, string>, revision: string): BrokerPolicy {
  const broker = state.broker;
  const grants = new Map<string, EffectiveJobsPolicy>();
  for (const challenge of state.challenges) {
    // Only an active challenge with a grant reaches the broker.
    if (challenge.jobs !== undefined && challenge.status === 'active') grants.set(challenge.slug, effectiveJobsPolicy(challenge.jobs));
  }
  const defaults = broker?.defaults ?? {};
  return {
    revision,
    production: state.subnet.environment === 'production',
    grants,
    defaults: {
      ...(defaults.user !== undefined ? { user: defaults.user } : {}),
      queue_timeout_seconds: defaults.queue_timeout_seconds ?? 600,
      stop_grace_seconds: defaults.stop_grace_seconds ?? 5,
    },
    datasets: new Map((broker?.datasets ?? []).map((d) => [d.name, { version: d.version, path: d.path }])),
    global: { max_concurrent: broker?.limits?.max_concurrent ?? 32, max_concurrent_gpus: broker?.limits?.max_concurrent_gpus ?? 8 },
    maxRequestBytes: parseMemoryBytes(broker?.limits?.max_request_bytes ?? DEFAULT_MAX_REQUEST_BYTES) ?? DEFAULT_MAX_REQUEST_BYTES,
    tokenHashes,
    finishedJobSeconds: broker?.retention?.finished_job_seconds ?? 3600,
    logCapBytes: 5 * 1024 * 1024,
  };
}
