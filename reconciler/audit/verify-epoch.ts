/**
 * The audit of sealed epochs, pure: given a served vector and its published inputs, check the seal, recompute every
 * snapshot digest and the whole vector through `vectorFromEpochInputs` (the function the epoch loop seals with),
 * and name the first field that differs. `verifyChain` then walks the hash chain over the epochs fetched.
 */
import { canonicalJson, vectorDigest, verifyVector } from '../weights/index.ts';
import type { SealedVector, UnsealedVector } from '../weights/index.ts';
import { hotkeyToUidDigest, parseEpochInputs, vectorFromEpochInputs } from '../weights/epoch-inputs.ts';
import type { EpochInputs } from '../weights/epoch-inputs.ts';
import { snapshotDigest, type RawWeights } from '../weights/snapshot-digest.ts';

export type EpochStatus = 'verified' | 'mismatch' | 'unverifiable';

export interface EpochVerdict {
  epoch: number;
  status: EpochStatus;
  /** The vector's digest as served (null when the document has none). */
  digest: string | null;
  /** mismatch: the first field that differs (a path into the vector or the inputs). */
  field?: string;
  detail?: string;
  /** Parts that could not be checked, and why (an opted-out challenge, inputs not published). */
  unverifiable: string[];
  /** The previous sealed epoch, as the vector claims it (v2); null at the start of the chain or for a v1 vector. */
  previousEpoch: number | null;
  previousDigest: string | null;
}

/** Aggregation outputs that an opted-out challenge's private scores decide: not compared when one opted out. */
const AGGREGATED_FIELDS = ['uids', 'weights', 'hotkey_weights', 'weights_u16'] as const;

export function verifyEpoch(vectorBody: unknown, inputsBody: unknown | null, signerPublicKey: string | Uint8Array): EpochVerdict {
  const doc = (typeof vectorBody === 'object' && vectorBody !== null ? vectorBody : {}) as Partial<SealedVector>;
  const base = {
    epoch: typeof doc.epoch === 'number' ? doc.epoch : -1,
    digest: typeof doc.digest === 'string' ? doc.digest : null,
    previousEpoch: typeof doc.previous_epoch === 'number' ? doc.previous_epoch : null,
    previousDigest: typeof doc.previous_digest === 'string' ? doc.previous_digest : null,
  };
  const mismatch = (field: string, detail: string, unverifiable: string[] = []): EpochVerdict => ({ ...base, status: 'mismatch', field, detail, unverifiable });

  const seal = verifyVector(vectorBody, signerPublicKey);
  if (!seal.ok) return mismatch(sealField(seal.reason), seal.reason);
  const vector = vectorBody as SealedVector;

  if (inputsBody === null) {
    return { ...base, status: 'unverifiable', unverifiable: ['inputs: not published for this epoch (sealed before inputs were kept, or pruned)'] };
  }
  let inputs: EpochInputs;
  try {
    inputs = parseEpochInputs(inputsBody, 'inputs');
  } catch (error) {
    return mismatch('inputs', (error as Error).message);
  }
  if (inputs.epoch !== vector.epoch) return mismatch('inputs.epoch', `the inputs are for epoch ${inputs.epoch}, the vector for ${vector.epoch}`);

  // Each published raw answer must hash to the snapshot digest the signed vector names.
  const unverifiable: string[] = [];
  const optedOut = new Set<string>();
  const served = new Map(vector.source_challenges.map((source) => [source.slug, source]));
  for (const [i, source] of inputs.challenge_results.entries()) {
    if (!source.ok) continue;
    if (!source.raw_scores_published) {
      optedOut.add(source.slug);
      unverifiable.push(`source_challenges[${source.slug}]: raw scores not published (publish_raw_scores: false)`);
      continue;
    }
    const where = `inputs.challenge_results[${i}].weights (${source.slug})`;
    if (source.weights === undefined) return mismatch(where, 'the raw answer is missing although the challenge publishes it', unverifiable);
    let digest: string;
    try {
      // parseEpochInputs admitted only numbers and null (JSON has no NaN/Infinity): already the stored form, which
      // normalizeRawWeights would rebuild at some cost per epoch (see verify.bench.ts).
      digest = snapshotDigest(source.weights as RawWeights);
    } catch (error) {
      return mismatch(where, (error as Error).message, unverifiable);
    }
    const claimed = served.get(source.slug)?.snapshot_digest ?? null;
    if (digest !== claimed) return mismatch(where, `the raw answer hashes to ${digest}; the vector's snapshot_digest is ${claimed}`, unverifiable);
  }
  const mapDigest = hotkeyToUidDigest(inputs.hotkey_to_uid);
  if (vector.metagraph.hotkey_to_uid_digest !== undefined && mapDigest !== vector.metagraph.hotkey_to_uid_digest) {
    return mismatch('inputs.hotkey_to_uid', `the metagraph hashes to ${mapDigest}; the vector's metagraph.hotkey_to_uid_digest is ${vector.metagraph.hotkey_to_uid_digest}`, unverifiable);
  }

  let recomputed: UnsealedVector;
  try {
    recomputed = vectorFromEpochInputs(inputs, contextOf(vector));
  } catch (error) {
    return mismatch(optedOut.size > 0 ? 'inputs' : 'uids', `the inputs admit no vector: ${(error as Error).message}`, unverifiable);
  }
  const difference = firstDifference(vector, recomputed, optedOut);
  if (difference) return mismatch(difference.field, difference.detail, unverifiable);
  if (optedOut.size === 0 && vectorDigest(recomputed) !== vector.digest) {
    return mismatch('digest', `the recomputed vector hashes to ${vectorDigest(recomputed)}; the vector says ${vector.digest}`);
  }
  return { ...base, status: unverifiable.length > 0 ? 'unverifiable' : 'verified', unverifiable };
}

/** The fields a vector carries that its inputs do not decide: taken from the vector itself. */
function contextOf(vector: SealedVector): Parameters<typeof vectorFromEpochInputs>[1] {
  const computedAt = new Date(vector.computed_at);
  return {
    netuid: vector.netuid,
    chainEndpoint: vector.chain_endpoint,
    desiredStateRevision: vector.desired_state_revision,
    computedAt,
    expiresAfterSeconds: (Date.parse(vector.expires_at) - computedAt.getTime()) / 1000,
    metagraphUpdatedAt: new Date(vector.metagraph_updated_at),
    previous:
      typeof vector.previous_epoch === 'number' && typeof vector.previous_digest === 'string'
        ? { epoch: vector.previous_epoch, digest: vector.previous_digest }
        : null,
  };
}

/** Field by field, in the order a reader would look: provenance, metagraph, parameters, then the weights. */
function firstDifference(served: SealedVector, recomputed: UnsealedVector, optedOut: ReadonlySet<string>): { field: string; detail: string } | null {
  const show = (value: unknown) => {
    const text = canonicalJson(value ?? null);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  };
  const servedSources = served.source_challenges;
  if (servedSources.length !== recomputed.source_challenges.length) {
    return { field: 'source_challenges', detail: `the vector lists ${servedSources.length} challenges, the inputs ${recomputed.source_challenges.length}` };
  }
  for (const [i, mine] of recomputed.source_challenges.entries()) {
    const theirs = servedSources[i] as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(mine)) {
      if (key === 'unknown_hotkey_count' && optedOut.has(mine.slug)) continue;
      if (canonicalJson(theirs[key] ?? null) !== canonicalJson(value ?? null)) {
        return { field: `source_challenges[${i}].${key} (${mine.slug})`, detail: `the vector says ${show(theirs[key])}, the inputs give ${show(value)}` };
      }
    }
  }
  for (const key of ['metagraph', 'aggregation', ...AGGREGATED_FIELDS] as const) {
    if (optedOut.size > 0 && (AGGREGATED_FIELDS as readonly string[]).includes(key)) continue;
    if (optedOut.size > 0 && key === 'aggregation') continue;
    const theirs = served[key] as unknown;
    const mine = recomputed[key] as unknown;
    if (canonicalJson(theirs ?? null) === canonicalJson(mine ?? null)) continue;
    if (typeof mine === 'object' && mine !== null && !Array.isArray(mine) && typeof theirs === 'object' && theirs !== null) {
      for (const [sub, value] of Object.entries(mine)) {
        const other = (theirs as Record<string, unknown>)[sub];
        if (canonicalJson(other ?? null) !== canonicalJson(value ?? null)) {
          return { field: `${key}.${sub}`, detail: `the vector says ${show(other)}, the inputs give ${show(value)}` };
        }
      }
    }
    if (Array.isArray(mine) && Array.isArray(theirs)) {
      const at = mine.findIndex((value, i) => canonicalJson(value) !== canonicalJson(theirs[i] ?? null));
      const index = at === -1 ? Math.min(mine.length, theirs.length) : at;
      return { field: `${key}[${index}]`, detail: `the vector says ${show(theirs[index])}, the inputs give ${show(mine[index])}` };
    }
    return { field: key, detail: `the vector says ${show(theirs)}, the inputs give ${show(mine)}` };
  }
  return null;
}

function sealField(reason: string): string {
  if (reason.startsWith('digest')) return 'digest';
  if (reason.startsWith('signed by') || reason.startsWith('signer')) return 'signer';
  if (reason.includes('signature')) return 'signature';
  if (reason.includes('weights_u16')) return 'weights_u16';
  return 'vector';
}

/** One epoch's place in the chain, as seen over the epochs fetched. */
export interface ChainLink {
  epoch: number;
  status: 'linked' | 'start' | 'broken' | 'beyond-range';
  /** Epochs between this one and its previous that were never sealed (explicit in `previous_epoch`). */
  gap: { from: number; to: number } | null;
  detail?: string;
}

/**
 * Walks `previous_epoch`/`previous_digest` over the verdicts (any order). A link is `broken` when the previous epoch's
 * served digest is not the one this vector signed (a rewritten earlier epoch), or when a vector claims a previous
 * epoch at or after itself; `beyond-range` when the previous epoch was not fetched (outside --from).
 */
export function verifyChain(verdicts: readonly EpochVerdict[]): ChainLink[] {
  const byEpoch = new Map(verdicts.map((verdict) => [verdict.epoch, verdict]));
  return [...verdicts]
    .sort((a, b) => a.epoch - b.epoch)
    .map((verdict): ChainLink => {
      const { epoch, previousEpoch, previousDigest } = verdict;
      if (previousEpoch === null) return { epoch, status: 'start', gap: null };
      if (previousEpoch >= epoch) return { epoch, status: 'broken', gap: null, detail: `previous_epoch ${previousEpoch} is not before ${epoch}` };
      const gap = previousEpoch < epoch - 1 ? { from: previousEpoch + 1, to: epoch - 1 } : null;
      const previous = byEpoch.get(previousEpoch);
      if (!previous) return { epoch, status: 'beyond-range', gap };
      if (previous.digest !== previousDigest) {
        return {
          epoch,
          status: 'broken',
          gap,
          detail: `previous_digest is ${previousDigest}, but epoch ${previousEpoch} is now served with digest ${previous.digest} (rewritten)`,
        };
      }
      return { epoch, status: 'linked', gap };
    });
}
