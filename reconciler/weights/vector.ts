import type { AggregationOptions, AggregationResult } from './aggregate.ts';
import { encodeU16, U16_MAX } from './u16.ts';
import type { U16Weights } from './u16.ts';

/**
 * Bumped on any change to the document's fields or to what the digest covers. 2 added the hash chain
 * (`previous_epoch`, `previous_digest`), `metagraph.hotkey_to_uid_digest` and `source_challenges[].raw_scores_published`;
 * version-1 vectors still verify (the digest covers whatever fields the document has).
 */
export const VECTOR_FORMAT_VERSION = 2;
/** How long a vector stays valid after `computed_at` unless configured otherwise (the reference: 720 s). */
export const DEFAULT_EXPIRES_AFTER_SECONDS = 720;
/** The margin past one epoch a sealed vector stays valid by default: the reference platform's 720 s window. */
export const EXPIRY_MARGIN_SECONDS = 720;

/**
 * The validity window of an epoch's vector: `configured` (subnet.vector_expiry_seconds) when given, else one epoch
 * plus the margin, so the latest vector is still valid when the next one is sealed (and through a late seal).
 */
export function vectorExpirySeconds(epochIntervalSeconds: number, configured?: number): number {
  return configured ?? epochIntervalSeconds + EXPIRY_MARGIN_SECONDS;
}

/** How a challenge's weights reached this epoch. */
export type SourceOutcome =
  | { kind: 'fresh' }
  /** The fetch failed; the last good snapshot, taken at `fromEpoch`, was used instead. */
  | { kind: 'carried'; fromEpoch: number; reason: string }
  /** No usable snapshot: the challenge's share burns. */
  | { kind: 'failed'; reason: string };

/** One challenge as the epoch saw it: `source_challenges[]` in the document. */
export interface VectorSource {
  /** Reference master's fields (`ChallengeWeightsResult` minus the raw `weights`, kept in the store). */
  slug: string;
  emission_percent: number;
  ok: boolean;
  error: string | null;
  /** Ours. */
  outcome: 'fresh' | 'carried' | 'failed';
  carried_from_epoch: number | null;
  reason: string | null;
  /** SHA-256 (hex) of the raw snapshot the aggregation used; null when it used none. */
  snapshot_digest: string | null;
  hotkey_count: number;
  /** Keys of the snapshot used that are not on the metagraph (their mass burned); 0 when it used none. */
  unknown_hotkey_count: number;
  /** false: the challenge opted out of publishing its raw answer; this part of the epoch cannot be replayed. (v2) */
  raw_scores_published?: boolean;
}

export interface VectorMetagraph {
  source: 'chain' | 'static';
  block_number: number | null;
  block_hash: string | null;
  hotkey_count: number;
  /** SHA-256 (hex) of the canonical JSON of the hotkey → uid map the aggregation used. (v2) */
  hotkey_to_uid_digest?: string | null;
}

/** The weights vector document before sealing: a compatible superset of the reference master's body. */
export interface UnsealedVector {
  /** 2 when sealed by this code; 1 for vectors sealed before the hash chain. */
  format_version: 1 | typeof VECTOR_FORMAT_VERSION;
  netuid: number;
  chain_endpoint: string;
  epoch: number;
  uids: number[];
  weights: number[];
  hotkey_weights: Record<string, number>;
  weights_u16: U16Weights;
  computed_at: string;
  expires_at: string;
  source_challenges: VectorSource[];
  metagraph_updated_at: string;
  metagraph: VectorMetagraph;
  desired_state_revision: string | null;
  aggregation: { min_allowed_weights: number; max_weight_limit: number; zero_miner_fallback: boolean };
  /** The previous sealed epoch (a gap when it is not `epoch - 1`); null for the first vector of the chain. (v2) */
  previous_epoch?: number | null;
  /** `digest` of the previous sealed epoch's vector; null exactly when `previous_epoch` is. (v2) */
  previous_digest?: string | null;
}

/** The signer of a sealed vector: the master's sr25519 public key. */
export interface VectorSigner {
  /** 0x-prefixed hex, 32 bytes. */
  public_key: string;
  /** The same key as an SS58 address (generic substrate prefix 42). */
  ss58: string;
}

export interface SealedVector extends UnsealedVector {
  /** SHA-256 (hex, no prefix) of `canonicalJson` of the document without digest, signature and signer. */
  digest: string;
  /** sr25519 signature (0x-prefixed hex, 64 bytes) over the 32 digest bytes. */
  signature: string;
  signer: VectorSigner;
}

export interface SourceProvenance {
  slug: string;
  emissionPercent: number;
  outcome: SourceOutcome;
  snapshotDigest: string | null;
  hotkeyCount: number;
  /** Keys of the snapshot used that are not on the metagraph (`countUnknownKeys`); 0 when absent. */
  unknownHotkeyCount?: number;
  /** false when the challenge opted out of publishing its raw scores (default true). */
  rawScoresPublished?: boolean;
}

export interface BuildVectorInput {
  netuid: number;
  chainEndpoint: string;
  epoch: number;
  aggregation: AggregationResult;
  /** The chain hyperparameters the aggregation ran with. */
  options: AggregationOptions;
  sources: readonly SourceProvenance[];
  metagraph: {
    source: 'chain' | 'static';
    blockNumber: number | null;
    blockHash: string | null;
    hotkeyCount: number;
    /** `hotkeyToUidDigest` of the map used (null when unknown). */
    hotkeyToUidDigest?: string | null;
    updatedAt: Date;
  };
  desiredStateRevision: string | null;
  computedAt: Date;
  expiresAfterSeconds?: number;
  /** The previous sealed epoch's vector: the chain link (default null, the start of the chain). */
  previous?: { epoch: number; digest: string } | null;
}

/** Assembles the unsealed document from an aggregation and its provenance; checks that the parts agree. */
export function buildVector(input: BuildVectorInput): UnsealedVector {
  const { aggregation } = input;
  const expiresAfter = input.expiresAfterSeconds ?? DEFAULT_EXPIRES_AFTER_SECONDS;
  if (!(expiresAfter > 0)) throw new RangeError(`expiresAfterSeconds is ${expiresAfter}; expected a positive number`);
  if (!Number.isSafeInteger(input.epoch) || input.epoch < 0) throw new RangeError(`epoch is ${input.epoch}; expected an integer >= 0`);
  if (aggregation.uids.length !== aggregation.weights.length) {
    throw new RangeError(`aggregation has ${aggregation.uids.length} uids but ${aggregation.weights.length} weights`);
  }
  const previous = input.previous ?? null;
  if (previous !== null && (!Number.isSafeInteger(previous.epoch) || previous.epoch >= input.epoch || !/^[0-9a-f]{64}$/.test(previous.digest))) {
    throw new RangeError(`previous vector is epoch ${previous.epoch} digest ${previous.digest}; expected an earlier epoch and 64 hex digits`);
  }
  const seen = new Set<string>();
  const sources = input.sources.map((source) => {
    if (seen.has(source.slug)) throw new RangeError(`source "${source.slug}" appears twice`);
    seen.add(source.slug);
    return toVectorSource(source, input.epoch);
  });
  return {
    format_version: VECTOR_FORMAT_VERSION,
    netuid: input.netuid,
    chain_endpoint: input.chainEndpoint,
    epoch: input.epoch,
    uids: [...aggregation.uids],
    weights: [...aggregation.weights],
    hotkey_weights: Object.fromEntries(aggregation.hotkeyWeights),
    weights_u16: encodeU16(aggregation.uids, aggregation.weights),
    computed_at: input.computedAt.toISOString(),
    expires_at: new Date(input.computedAt.getTime() + expiresAfter * 1000).toISOString(),
    source_challenges: sources,
    metagraph_updated_at: input.metagraph.updatedAt.toISOString(),
    metagraph: {
      source: input.metagraph.source,
      block_number: input.metagraph.blockNumber,
      block_hash: input.metagraph.blockHash,
      hotkey_count: input.metagraph.hotkeyCount,
      hotkey_to_uid_digest: input.metagraph.hotkeyToUidDigest ?? null,
    },
    desired_state_revision: input.desiredStateRevision,
    aggregation: {
      min_allowed_weights: input.options.minAllowedWeights ?? 1,
      max_weight_limit: input.options.maxWeightLimit ?? U16_MAX,
      zero_miner_fallback: aggregation.zeroMiner,
    },
    previous_epoch: previous?.epoch ?? null,
    previous_digest: previous?.digest ?? null,
  };
}

function toVectorSource(source: SourceProvenance, epoch: number): VectorSource {
  const { outcome } = source;
  if (outcome.kind !== 'failed' && (source.snapshotDigest === null || !/^[0-9a-f]{64}$/.test(source.snapshotDigest))) {
    throw new RangeError(`source "${source.slug}" is ${outcome.kind} but its snapshot digest is ${source.snapshotDigest}; expected 64 hex digits`);
  }
  const hotkeyCount = outcome.kind === 'failed' ? 0 : source.hotkeyCount;
  const unknownCount = outcome.kind === 'failed' ? 0 : (source.unknownHotkeyCount ?? 0);
  if (!Number.isSafeInteger(unknownCount) || unknownCount < 0 || unknownCount > hotkeyCount) {
    throw new RangeError(`source "${source.slug}" has ${unknownCount} unknown hotkeys of ${hotkeyCount}; expected an integer from 0 to ${hotkeyCount}`);
  }
  const common = {
    slug: source.slug,
    emission_percent: source.emissionPercent,
    hotkey_count: hotkeyCount,
    unknown_hotkey_count: unknownCount,
    raw_scores_published: source.rawScoresPublished ?? true,
  };
  switch (outcome.kind) {
    case 'fresh':
      return { ...common, ok: true, error: null, outcome: 'fresh', carried_from_epoch: null, reason: null, snapshot_digest: source.snapshotDigest };
    case 'carried':
      if (!Number.isSafeInteger(outcome.fromEpoch) || outcome.fromEpoch >= epoch) {
        throw new RangeError(`source "${source.slug}" carried from epoch ${outcome.fromEpoch}; expected an epoch before ${epoch}`);
      }
      return {
        ...common,
        ok: true,
        error: null,
        outcome: 'carried',
        carried_from_epoch: outcome.fromEpoch,
        reason: outcome.reason,
        snapshot_digest: source.snapshotDigest,
      };
    case 'failed':
      return { ...common, ok: false, error: outcome.reason, outcome: 'failed', carried_from_epoch: null, reason: outcome.reason, snapshot_digest: null };
  }
}
