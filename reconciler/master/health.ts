/**
 * `GET /health` and `GET /version`. Health is 200 while the master serves; `status` turns `degraded` with one
 * reason per problem when a dependency it is configured to use is unreachable (Docker API, control-plane store) or
 * the desired state could not be loaded. Reasons are fixed phrases plus short error codes: no addresses, no secrets.
 */
import type { StoreAvailability } from '../store/index.ts';
import { API_VERSION } from './registry.ts';
import type { SwarmSnapshot } from './swarm-status.ts';
import type { WeightsReaderStatus } from './weights-reader.ts';

/** The weights epoch loop as `base serve` supervises it (reconciler/master/serve-weights-loop.ts). */
export interface WeightsLoopHealth {
  state: 'starting' | 'running' | 'retrying' | 'disabled' | 'stopped';
  /** Fixed code of the last start failure (store-unavailable, chain-unreachable, ...) or `skipped`; null otherwise. */
  code: string | null;
  /** An errno-like detail (ECONNREFUSED) or, when disabled, the fixed skip reason; never a URL or a secret. */
  detail: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  /** Whether this state makes /health degraded (retrying; disabled where the loop is required). */
  degraded: boolean;
}

export interface HealthInputs {
  version: string;
  startedAt: Date;
  now: Date;
  /** null when the master runs without the Docker API (development with a static upstream map). */
  docker: SwarmSnapshot | null;
  /** null when no store is configured. */
  store: StoreAvailability | null;
  weights: WeightsReaderStatus | null;
  /** null/absent when the master runs no weights loop of its own. */
  weightsLoop?: WeightsLoopHealth | null;
  desired: { loaded: boolean; file: string | null; error: string | null };
  signingKey: { publicKey: string; ss58: string } | null;
  challenges: { probed: number; healthy: number };
}

export interface HealthDocument {
  status: 'ok' | 'degraded';
  version: string;
  api_version: string;
  reasons: string[];
  started_at: string;
  uptime_seconds: number;
  docker: { configured: boolean; available: boolean | null; last_ok_at: string | null; error: string | null };
  store: {
    configured: boolean;
    available: boolean | null;
    unavailable_since: string | null;
    last_ok_at: string | null;
    outages: number;
    last_error: string | null;
  };
  weights: { last_sealed_epoch: number | null; last_error: string | null } | null;
  weights_loop: { state: WeightsLoopHealth['state']; code: string | null; detail: string | null; attempts: number; next_attempt_at: string | null } | null;
  desired_state: { loaded: boolean; error: string | null };
  challenges: { probed: number; healthy: number };
  signing_public_key: string | null;
  signing_ss58: string | null;
}

export function buildHealth(inputs: HealthInputs): HealthDocument {
  const reasons: string[] = [];
  if (inputs.docker && !inputs.docker.available) reasons.push(`docker API unreachable (${inputs.docker.error ?? 'error'})`);
  const storeDown = inputs.store !== null && (!inputs.store.available || inputs.weights?.storeAvailable === false);
  if (storeDown) reasons.push('control-plane store unreachable');
  const loop = inputs.weightsLoop ?? null;
  if (loop?.degraded) {
    reasons.push(
      loop.state === 'retrying'
        ? `weights loop not started (${loop.code ?? 'error'}${loop.detail ? ` ${loop.detail}` : ''}; retrying)`
        : `weights loop disabled (${loop.detail ?? loop.code ?? 'unknown'})`,
    );
  }
  if (!inputs.desired.loaded) reasons.push(`desired state not loaded${inputs.desired.error ? ` (${inputs.desired.error})` : ''}`);
  return {
    status: reasons.length === 0 ? 'ok' : 'degraded',
    version: inputs.version,
    api_version: API_VERSION,
    reasons,
    started_at: inputs.startedAt.toISOString(),
    uptime_seconds: Math.max(0, Math.round((inputs.now.getTime() - inputs.startedAt.getTime()) / 1000)),
    docker: {
      configured: inputs.docker !== null,
      available: inputs.docker?.available ?? null,
      last_ok_at: inputs.docker?.lastOkAt ?? null,
      error: inputs.docker?.error ?? null,
    },
    store: {
      configured: inputs.store !== null,
      available: inputs.store === null ? null : !storeDown,
      unavailable_since: inputs.store?.unavailableSince ?? null,
      last_ok_at: inputs.store?.lastOkAt ?? null,
      outages: inputs.store?.outages ?? 0,
      last_error: inputs.store?.lastError ?? null,
    },
    weights: inputs.weights ? { last_sealed_epoch: inputs.weights.lastSealedEpoch, last_error: inputs.weights.lastError } : null,
    weights_loop: loop
      ? { state: loop.state, code: loop.code, detail: loop.detail, attempts: loop.attempts, next_attempt_at: loop.nextAttemptAt }
      : null,
    desired_state: { loaded: inputs.desired.loaded, error: inputs.desired.error },
    challenges: inputs.challenges,
    signing_public_key: inputs.signingKey?.publicKey ?? null,
    signing_ss58: inputs.signingKey?.ss58 ?? null,
  };
}

export function versionDocument(version: string): { version: string; api_version: string; name: string } {
  return { name: 'base-master', version, api_version: API_VERSION };
}
