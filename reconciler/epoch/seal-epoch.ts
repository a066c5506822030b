/** One epoch from collected answers to a stored, sealed vector. */
import type { Keypair } from '@polkadot/util-crypto/types';
import { VectorSealConflictError, type ControlPlaneStore } from '../store/index.ts';
import { EPOCH_INPUTS_FORMAT_VERSION, publishedEpochInputs, vectorFromEpochInputs, type EpochInputs } from '../weights/epoch-inputs.ts';
import type { FetchWeightsResult } from '../weights/collect/index.ts';
import { sealVector } from '../weights/seal.ts';
import type { SealedVector, UnsealedVector } from '../weights/vector.ts';
import type { MetagraphSnapshot } from './metagraph-source.ts';
import { resolveSources, type EpochChallenge } from './resolve-sources.ts';

export interface ComputeEpochInput {
  netuid: number;
  chainEndpoint: string;
  epoch: number;
  challenges: readonly EpochChallenge[];
  fetched: readonly FetchWeightsResult[];
  fetchedAt: Date;
  metagraph: MetagraphSnapshot;
  store: ControlPlaneStore;
  desiredStateRevision: string | null;
  computedAt: Date;
  carryForwardEpochs?: number;
  expiresAfterSeconds?: number;
}

export interface ComputedEpoch {
  vector: UnsealedVector;
  /** What the aggregation consumed (raw answers as Maps); store `publishedEpochInputs(inputs)`. */
  inputs: EpochInputs;
  /** Slugs whose fresh answer differed from a snapshot already stored for the epoch (the stored one was used). */
  snapshotConflicts: string[];
}

/**
 * Stores the fresh snapshots, resolves carry-forward, reads the previous sealed vector (the chain link), then builds
 * the unsealed vector through `vectorFromEpochInputs`, the function `base weights verify` replays.
 * Throws ZeroMinerWeightError / AggregationInputError when no valid vector exists (nothing may be sealed), and
 * StoreUnavailableError when the store cannot be reached.
 */
export async function computeEpochVector(input: ComputeEpochInput): Promise<ComputedEpoch> {
  const sources = await resolveSources({
    epoch: input.epoch,
    challenges: input.challenges,
    fetched: new Map(input.fetched.map((result) => [result.slug, result])),
    store: input.store,
    fetchedAt: input.fetchedAt,
    ...(input.carryForwardEpochs !== undefined ? { carryForwardEpochs: input.carryForwardEpochs } : {}),
  });
  const previous = await input.store.vectorBefore<SealedVector>(input.epoch);
  const inputs: EpochInputs = {
    format_version: EPOCH_INPUTS_FORMAT_VERSION,
    epoch: input.epoch,
    challenge_results: sources.provenance.map((source, i) => {
      const result = sources.results[i];
      const { outcome } = source;
      return {
        slug: source.slug,
        emission_percent: source.emissionPercent,
        ok: outcome.kind !== 'failed',
        error: outcome.kind === 'failed' ? outcome.reason : null,
        outcome: outcome.kind,
        carried_from_epoch: outcome.kind === 'carried' ? outcome.fromEpoch : null,
        reason: outcome.kind === 'fresh' ? null : outcome.reason,
        snapshot_digest: source.snapshotDigest,
        hotkey_count: outcome.kind === 'failed' ? 0 : source.hotkeyCount,
        raw_scores_published: input.challenges[i]?.publishRawScores !== false,
        ...(outcome.kind !== 'failed' && result?.weights ? { weights: result.weights as ReadonlyMap<string, number | null> } : {}),
      };
    }),
    hotkey_to_uid: input.metagraph.hotkeyToUid,
    kwargs: { min_allowed_weights: input.metagraph.minAllowedWeights, max_weight_limit: input.metagraph.maxWeightLimit },
    metagraph: { source: input.metagraph.source, block_number: input.metagraph.blockNumber, block_hash: input.metagraph.blockHash },
  };
  const vector = vectorFromEpochInputs(inputs, {
    netuid: input.netuid,
    chainEndpoint: input.chainEndpoint,
    desiredStateRevision: input.desiredStateRevision,
    computedAt: input.computedAt,
    metagraphUpdatedAt: input.metagraph.updatedAt,
    previous: previous ? { epoch: previous.epoch, digest: previous.digest } : null,
    ...(input.expiresAfterSeconds !== undefined ? { expiresAfterSeconds: input.expiresAfterSeconds } : {}),
  });
  return { vector, inputs, snapshotConflicts: sources.conflicts };
}

export interface StoredSeal {
  /** The vector that stands for the epoch: ours when `created`, otherwise the one sealed before. */
  vector: SealedVector;
  /** true: sealed now. false: the epoch was already sealed (same digest, or different content that was refused). */
  created: boolean;
  /** The epoch had been sealed with different content; ours was discarded and the stored vector adopted. */
  adoptedOther: boolean;
}

/**
 * Signs the vector and records it insert-once. When the epoch is already sealed the stored vector wins: a restarted
 * or second master never replaces a past epoch's vector.
 */
export async function sealAndStore(
  store: ControlPlaneStore,
  unsealed: UnsealedVector,
  keypair: Keypair,
  inputs?: EpochInputs,
): Promise<StoredSeal> {
  const sealed = await sealVector(unsealed, keypair);
  // The inputs go in first (insert-once as well): a vector in the store always has its inputs beside it.
  if (inputs) await store.putEpochInputs(sealed.epoch, publishedEpochInputs(inputs));
  try {
    const result = await store.sealVector<SealedVector>(sealed.epoch, sealed.digest, sealed);
    return { vector: result.vector.document, created: result.created, adoptedOther: false };
  } catch (error) {
    if (!(error instanceof VectorSealConflictError)) throw error;
    const stored = await store.vectorAt<SealedVector>(sealed.epoch);
    if (!stored) throw error; // cannot happen: the conflict says it exists
    return { vector: stored.document, created: false, adoptedOther: true };
  }
}
