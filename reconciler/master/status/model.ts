/**
 * The status page's model, built only from documents the public JSON routes already serve (`/v1/registry`,
 * `/health`, `/v1/weights/latest`, `/v1/weights`): whatever those never publish (env values, tokens, secret names)
 * cannot reach the page. Pure: the renderers read this model and nothing else.
 */
import type { HealthDocument } from '../health.ts';
import type { RegistryDocument } from '../registry.ts';
import type { WeightsVector } from '../weights-reader.ts';
import { burnShareOf, type WeightsHistoryEntry } from './history.ts';

export const HISTORY_EPOCHS = 48;
export const TOP_UIDS = 16;

export interface StatusChallengeRow {
  slug: string;
  name: string;
  status: 'active' | 'inactive';
  /** `ok`, `failing` (with `probeError`) or `unknown` (not probed yet). */
  probe: 'ok' | 'failing' | 'unknown';
  probeError: string | null;
  probeAgeSeconds: number | null;
  runningTasks: number | null;
  desiredTasks: number | null;
  /** Configured share of 100. */
  emissionPercent: number;
  /** How the latest sealed vector used this challenge; null when it is not in that vector. */
  collection: { outcome: 'fresh' | 'carried' | 'failed'; carriedFromEpoch: number | null; reason: string | null; hotkeyCount: number } | null;
  proxyPath: string;
}

export interface SplitSlice {
  /** A challenge slug, or null for the burn. */
  slug: string | null;
  label: string;
  /** 0..1; the slices sum to 1. */
  share: number;
}

export interface StatusModel {
  subnet: {
    name: string;
    netuid: number | null;
    environment: string | null;
    revision: string | null;
    appliedAt: string | null;
    epochIntervalSeconds: number | null;
    burnUid: number;
  };
  health: { status: 'ok' | 'degraded'; reasons: string[]; version: string; uptimeSeconds: number };
  generatedAt: string;
  challenges: StatusChallengeRow[];
  /** Configured emission split as the latest epoch applied it: a failed challenge's share and the remainder burn. */
  split: SplitSlice[];
  vector: {
    epoch: number;
    computedAt: string;
    expiresAt: string;
    digest: string;
    signerSs58: string;
    signerPublicKey: string;
    burnShare: number;
    uidCount: number;
    top: Array<{ uid: number; weight: number }>;
  } | null;
  /** Oldest first, at most HISTORY_EPOCHS; null when the store could not be read. */
  history: WeightsHistoryEntry[] | null;
}

export interface StatusInputs {
  registry: RegistryDocument;
  health: HealthDocument;
  latest: WeightsVector | null;
  /** Newest first, as `/v1/weights` serves it; null when the store could not answer. */
  history: readonly WeightsHistoryEntry[] | null;
  now: Date;
}

export function buildStatusModel(inputs: StatusInputs): StatusModel {
  const { registry, health, latest, now } = inputs;
  const sources = new Map((latest?.source_challenges ?? []).map((s) => [s.slug, s]));
  const challenges: StatusChallengeRow[] = registry.challenges.map((c) => {
    const probe = c.health.probe;
    const source = sources.get(c.slug);
    return {
      slug: c.slug,
      name: c.name,
      status: c.status,
      probe: probe === null ? 'unknown' : probe.ok ? 'ok' : 'failing',
      probeError: probe?.ok === false ? (probe.error ?? 'error') : null,
      probeAgeSeconds: probe ? Math.max(0, Math.round((now.getTime() - Date.parse(probe.checked_at)) / 1000)) : null,
      runningTasks: c.health.running_tasks,
      desiredTasks: c.health.desired_tasks,
      emissionPercent: Number(c.emission_percent),
      collection: source
        ? { outcome: source.outcome, carriedFromEpoch: source.carried_from_epoch, reason: source.reason, hotkeyCount: source.hotkey_count }
        : null,
      proxyPath: c.public_proxy_base_path,
    };
  });
  return {
    subnet: {
      name: registry.network,
      netuid: registry.netuid,
      environment: registry.deployment,
      revision: registry.desired_state_revision,
      appliedAt: registry.desired_state_applied_at,
      epochIntervalSeconds: registry.epoch_interval_seconds,
      burnUid: registry.master_uid,
    },
    health: { status: health.status, reasons: [...health.reasons], version: health.version, uptimeSeconds: health.uptime_seconds },
    generatedAt: now.toISOString(),
    challenges,
    split: emissionSplit(challenges),
    vector: latest === null ? null : vectorSummary(latest, registry.master_uid),
    history: inputs.history === null ? null : [...inputs.history.slice(0, HISTORY_EPOCHS)].reverse(),
  };
}

/**
 * Active challenges take their configured share of 100 (scaled back to 1 when they sum past it, as aggregation
 * does); a challenge the latest vector marked failed, and whatever is left, burns.
 */
export function emissionSplit(rows: readonly StatusChallengeRow[]): SplitSlice[] {
  const active = rows.filter((r) => r.status === 'active' && r.emissionPercent > 0);
  const total = active.reduce((sum, r) => sum + r.emissionPercent, 0);
  const scale = total > 100 ? 1 / total : 1 / 100;
  const slices: SplitSlice[] = [];
  let allocated = 0;
  for (const row of active) {
    if (row.collection?.outcome === 'failed') continue;
    const share = row.emissionPercent * scale;
    allocated += share;
    slices.push({ slug: row.slug, label: row.name, share });
  }
  slices.push({ slug: null, label: 'burn', share: Math.max(0, 1 - allocated) });
  return slices;
}

function vectorSummary(vector: WeightsVector, burnUid: number): NonNullable<StatusModel['vector']> {
  const pairs = vector.uids.map((uid, i) => ({ uid, weight: vector.weights[i] ?? 0 }));
  pairs.sort((a, b) => b.weight - a.weight || a.uid - b.uid);
  return {
    epoch: vector.epoch,
    computedAt: vector.computed_at,
    expiresAt: vector.expires_at,
    digest: vector.digest,
    signerSs58: vector.signer.ss58,
    signerPublicKey: vector.signer.public_key,
    burnShare: burnShareOf(vector, burnUid),
    uidCount: vector.uids.length,
    top: pairs.slice(0, TOP_UIDS),
  };
}
