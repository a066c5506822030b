/**
 * Failure isolation: what each challenge contributes to an epoch. A fresh answer is stored as that epoch's snapshot;
 * a failed challenge falls back to its last good snapshot while that is at most `carryForwardEpochs` epochs old,
 * after which it counts as failed (its share burns). One challenge's failure never fails the epoch.
 */
import type { ControlPlaneStore, WeightSnapshot } from '../store/index.ts';
import type { ChallengeResult } from '../weights/aggregate.ts';
import type { FetchWeightsResult } from '../weights/collect/index.ts';
import type { SourceProvenance } from '../weights/vector.ts';

/** How many epochs a failed challenge's last good snapshot may stand in for it (default). */
export const DEFAULT_CARRY_FORWARD_EPOCHS = 2;

export interface EpochChallenge {
  slug: string;
  emissionPercent: number;
  /** false: the raw answer is kept private (`publish_raw_scores: false`); its part of the epoch is unverifiable. */
  publishRawScores?: boolean;
}

export interface ResolvedSources {
  /** For the aggregation, in the challenges' order. */
  results: ChallengeResult[];
  /** For the vector's source_challenges, same order. */
  provenance: SourceProvenance[];
  /** Fresh answers that differed from a snapshot already stored for this epoch (the stored one was used). */
  conflicts: string[];
}

export interface ResolveSourcesInput {
  epoch: number;
  challenges: readonly EpochChallenge[];
  /** The collection's results by slug; a challenge without one counts as failed. */
  fetched: ReadonlyMap<string, FetchWeightsResult>;
  store: ControlPlaneStore;
  fetchedAt: Date;
  carryForwardEpochs?: number;
}

/** Rejects only when the store does (StoreUnavailableError): the caller retries the whole step. */
export async function resolveSources(input: ResolveSourcesInput): Promise<ResolvedSources> {
  const carry = input.carryForwardEpochs ?? DEFAULT_CARRY_FORWARD_EPOCHS;
  if (!Number.isSafeInteger(carry) || carry < 0) throw new RangeError(`carryForwardEpochs is ${carry}; expected an integer >= 0`);
  const conflicts: string[] = [];
  const resolved = await Promise.all(
    input.challenges.map(async (challenge): Promise<{ result: ChallengeResult; provenance: SourceProvenance }> => {
      const fetched = input.fetched.get(challenge.slug);
      if (fetched?.ok) {
        const put = await input.store.putSnapshot({
          slug: challenge.slug,
          epoch: input.epoch,
          fetchedAt: input.fetchedAt.toISOString(),
          weights: Object.fromEntries(fetched.weights),
        });
        // An epoch's input never changes once recorded: a second, different answer in the same epoch (a restart
        // re-collecting) yields to the stored one, so the epoch stays reproducible.
        if (put.status === 'conflict') conflicts.push(challenge.slug);
        const weights = put.status === 'conflict' ? snapshotMap(put.snapshot) : fetched.weights;
        return usable(challenge, weights, { kind: 'fresh' }, put.snapshot);
      }
      const reason = fetched ? fetched.reason : 'not collected';
      const last = await input.store.latestGoodSnapshot(challenge.slug, input.epoch);
      if (last && last.epoch === input.epoch) {
        // Collected earlier in this same epoch (before a restart or a store outage): still this epoch's answer.
        return usable(challenge, snapshotMap(last), { kind: 'fresh' }, last);
      }
      if (last && input.epoch - last.epoch <= carry) {
        return usable(challenge, snapshotMap(last), { kind: 'carried', fromEpoch: last.epoch, reason }, last);
      }
      const why = last
        ? `${reason}; the last good snapshot (epoch ${last.epoch}) is ${input.epoch - last.epoch} epochs old, more than the ${carry} it may be carried`
        : `${reason}; no earlier snapshot to carry forward`;
      return {
        result: { slug: challenge.slug, emission_percent: challenge.emissionPercent, ok: false, error: why },
        provenance: { slug: challenge.slug, emissionPercent: challenge.emissionPercent, outcome: { kind: 'failed', reason: why }, snapshotDigest: null, hotkeyCount: 0 },
      };
    }),
  );
  return { results: resolved.map((r) => r.result), provenance: resolved.map((r) => r.provenance), conflicts };
}

function usable(
  challenge: EpochChallenge,
  weights: ReadonlyMap<string, number | null>,
  outcome: SourceProvenance['outcome'],
  snapshot: WeightSnapshot,
): { result: ChallengeResult; provenance: SourceProvenance } {
  return {
    result: { slug: challenge.slug, emission_percent: challenge.emissionPercent, weights, ok: true, error: null },
    provenance: { slug: challenge.slug, emissionPercent: challenge.emissionPercent, outcome, snapshotDigest: snapshot.digest, hotkeyCount: snapshot.hotkeyCount },
  };
}

function snapshotMap(snapshot: WeightSnapshot): Map<string, number | null> {
  return new Map(Object.entries(snapshot.weights));
}
