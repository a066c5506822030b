/** One epoch from collected answers to a stored, sealed vector. */
import type { Keypair } from '@polkadot/util-crypto/types';
import { VectorSealConflictError, type ControlPlaneStore } from '../store/index.ts';
import { aggregateChallengeWeights } from '../weights/aggregate.ts';
import type { FetchWeightsResult } from '../weights/collect/index.ts';
import { sealVector } from '../weights/seal.ts';
import { countUnknownKeys } from '../weights/unknown-keys.ts';
import { buildVector, type SealedVector, type UnsealedVector } from '../weights/vector.ts';
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
  /** Slugs whose fresh answer differed from a snapshot already stored for the epoch (the stored one was used). */
  snapshotConflicts: string[];
}

/**
 * Stores the fresh snapshots, resolves carry-forward, aggregates and builds the unsealed vector.
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
  const options = { minAllowedWeights: input.metagraph.minAllowedWeights, maxWeightLimit: input.metagraph.maxWeightLimit };
  const aggregation = aggregateChallengeWeights(sources.results, input.metagraph.hotkeyToUid, options);
  const vector = buildVector({
    netuid: input.netuid,
    chainEndpoint: input.chainEndpoint,
    epoch: input.epoch,
    aggregation,
    options,
    sources: sources.provenance.map((source, i) => ({
      ...source,
      unknownHotkeyCount: countUnknownKeys(sources.results[i]?.weights, input.metagraph.hotkeyToUid),
    })),
    metagraph: {
      source: input.metagraph.source,
      blockNumber: input.metagraph.blockNumber,
      blockHash: input.metagraph.blockHash,
      hotkeyCount: input.metagraph.hotkeyToUid.size,
      updatedAt: input.metagraph.updatedAt,
    },
    desiredStateRevision: input.desiredStateRevision,
    computedAt: input.computedAt,
    ...(input.expiresAfterSeconds !== undefined ? { expiresAfterSeconds: input.expiresAfterSeconds } : {}),
  });
  return { vector, snapshotConflicts: sources.conflicts };
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
export async function sealAndStore(store: ControlPlaneStore, unsealed: UnsealedVector, keypair: Keypair): Promise<StoredSeal> {
  const sealed = await sealVector(unsealed, keypair);
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
