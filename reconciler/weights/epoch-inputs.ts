/**
 * An epoch's inputs — what the aggregation consumed — and the one function that turns them into the unsealed
 * vector. The epoch loop seals through `vectorFromEpochInputs`, and `base weights verify` recomputes through it, so
 * a replay is the sealing code path, not a copy of it.
 *
 * The published document is a superset of `base weights aggregate --input`'s shape (`challenge_results`,
 * `hotkey_to_uid`, `kwargs`), so any epoch can be replayed with that command too.
 */
import { createHash } from 'node:crypto';
import { aggregateChallengeWeights, AggregationInputError } from './aggregate.ts';
import type { ChallengeResult } from './aggregate.ts';
import { canonicalJson } from './canonical-json.ts';
import { U16_MAX } from './u16.ts';
import { countUnknownKeys } from './unknown-keys.ts';
import { buildVector } from './vector.ts';
import type { SourceOutcome, UnsealedVector } from './vector.ts';

export const EPOCH_INPUTS_FORMAT_VERSION = 1;

/** One challenge as the aggregation saw it. */
export interface EpochInputSource {
  slug: string;
  emission_percent: number;
  /** false: failed this epoch, its share burned. */
  ok: boolean;
  error: string | null;
  outcome: 'fresh' | 'carried' | 'failed';
  carried_from_epoch: number | null;
  reason: string | null;
  snapshot_digest: string | null;
  hotkey_count: number;
  /** false: the challenge opted out (`publish_raw_scores: false`); `weights` is then absent from the published form. */
  raw_scores_published: boolean;
  /** The raw answer used (fresh or carried); absent when failed or not published. A Map in memory keeps its order. */
  weights?: Readonly<Record<string, number | null>> | ReadonlyMap<string, number | null>;
}

export interface EpochInputs {
  format_version: typeof EPOCH_INPUTS_FORMAT_VERSION;
  epoch: number;
  challenge_results: EpochInputSource[];
  hotkey_to_uid: Readonly<Record<string, number>> | ReadonlyMap<string, number>;
  kwargs: { min_allowed_weights: number; max_weight_limit: number };
  metagraph: { source: 'chain' | 'static'; block_number: number | null; block_hash: string | null };
}

/** What a vector carries that its inputs do not decide (times, identity, the chain link). */
export interface VectorContext {
  netuid: number;
  chainEndpoint: string;
  desiredStateRevision: string | null;
  computedAt: Date;
  expiresAfterSeconds?: number;
  metagraphUpdatedAt: Date;
  /** The previous sealed epoch's vector (null: none before this one). */
  previous: { epoch: number; digest: string } | null;
}

/** SHA-256 (hex) of the canonical JSON of hotkey → uid: the vector's `metagraph.hotkey_to_uid_digest`. */
export function hotkeyToUidDigest(hotkeyToUid: EpochInputs['hotkey_to_uid']): string {
  const record = hotkeyToUid instanceof Map ? Object.fromEntries(hotkeyToUid) : hotkeyToUid;
  return createHash('sha256').update(canonicalJson(record), 'utf8').digest('hex');
}

/**
 * Aggregates the inputs and builds the unsealed vector: the sealing code path. Throws ZeroMinerWeightError /
 * AggregationInputError when no valid vector exists.
 */
export function vectorFromEpochInputs(inputs: EpochInputs, context: VectorContext): UnsealedVector {
  const { hotkeyToUid, results, options, aggregation } = aggregateEpochInputs(inputs);
  return buildVector({
    netuid: context.netuid,
    chainEndpoint: context.chainEndpoint,
    epoch: inputs.epoch,
    aggregation,
    options,
    sources: inputs.challenge_results.map((source, i) => ({
      slug: source.slug,
      emissionPercent: source.emission_percent,
      outcome: outcomeOf(source),
      snapshotDigest: source.snapshot_digest,
      hotkeyCount: source.hotkey_count,
      unknownHotkeyCount: source.ok ? countUnknownKeys(results[i]?.weights, hotkeyToUid) : 0,
      rawScoresPublished: source.raw_scores_published,
    })),
    metagraph: {
      source: inputs.metagraph.source,
      blockNumber: inputs.metagraph.block_number,
      blockHash: inputs.metagraph.block_hash,
      hotkeyCount: hotkeyToUid.size,
      hotkeyToUidDigest: hotkeyToUidDigest(hotkeyToUid),
      updatedAt: context.metagraphUpdatedAt,
    },
    desiredStateRevision: context.desiredStateRevision,
    computedAt: context.computedAt,
    previous: context.previous,
    ...(context.expiresAfterSeconds !== undefined ? { expiresAfterSeconds: context.expiresAfterSeconds } : {}),
  });
}

/**
 * The aggregation step of `vectorFromEpochInputs`, on its own: what the emission impact of a pull request replays
 * (with other shares) and what sealing runs. Throws like `aggregateChallengeWeights`.
 */
export function aggregateEpochInputs(inputs: EpochInputs) {
  const hotkeyToUid = inputs.hotkey_to_uid instanceof Map ? inputs.hotkey_to_uid : new Map(Object.entries(inputs.hotkey_to_uid));
  const results: ChallengeResult[] = inputs.challenge_results.map((source) => ({
    slug: source.slug,
    emission_percent: source.emission_percent,
    ok: source.ok,
    error: source.error,
    ...(source.ok ? { weights: source.weights ?? {} } : {}),
  }));
  const options = { minAllowedWeights: inputs.kwargs.min_allowed_weights, maxWeightLimit: inputs.kwargs.max_weight_limit };
  return { hotkeyToUid, results, options, aggregation: aggregateChallengeWeights(results, hotkeyToUid, options) };
}

function outcomeOf(source: EpochInputSource): SourceOutcome {
  switch (source.outcome) {
    case 'fresh':
      return { kind: 'fresh' };
    case 'carried':
      return { kind: 'carried', fromEpoch: source.carried_from_epoch ?? -1, reason: source.reason ?? '' };
    case 'failed':
      return { kind: 'failed', reason: source.reason ?? source.error ?? '' };
  }
}

/**
 * The published form: plain JSON, the raw answers of opted-out challenges left out (their part is marked
 * `raw_scores_published: false`, never silently dropped).
 */
export function publishedEpochInputs(inputs: EpochInputs): EpochInputs {
  return {
    format_version: EPOCH_INPUTS_FORMAT_VERSION,
    epoch: inputs.epoch,
    challenge_results: inputs.challenge_results.map((source) => {
      const { weights, ...rest } = source;
      if (!source.raw_scores_published || weights === undefined) return rest;
      return { ...rest, weights: weights instanceof Map ? Object.fromEntries(weights) : weights };
    }),
    hotkey_to_uid: inputs.hotkey_to_uid instanceof Map ? Object.fromEntries(inputs.hotkey_to_uid) : inputs.hotkey_to_uid,
    kwargs: { ...inputs.kwargs },
    metagraph: { ...inputs.metagraph },
  };
}

/**
 * Reads a published inputs document (`GET /v1/weights/{epoch}/inputs`), every field checked and named on error
 * (AggregationInputError). Score values are not checked: invalid scores are the aggregation's business.
 */
export function parseEpochInputs(value: unknown, where = 'inputs'): EpochInputs {
  const root = object(value, where);
  if (root['format_version'] !== EPOCH_INPUTS_FORMAT_VERSION) fail(`${where}.format_version`, String(EPOCH_INPUTS_FORMAT_VERSION), root['format_version']);
  const epoch = root['epoch'];
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 0) fail(`${where}.epoch`, 'an integer >= 0', epoch);
  const results = root['challenge_results'];
  if (!Array.isArray(results)) fail(`${where}.challenge_results`, 'an array', results);
  const challenge_results = results.map((item, i) => parseSource(item, `${where}.challenge_results[${i}]`));
  const mapping = object(root['hotkey_to_uid'], `${where}.hotkey_to_uid`);
  for (const [hotkey, uid] of Object.entries(mapping)) {
    if (!Number.isInteger(uid) || (uid as number) < 0 || (uid as number) > U16_MAX) fail(`${where}.hotkey_to_uid["${hotkey}"]`, 'a uid (integer 0..65535)', uid);
  }
  const kwargs = object(root['kwargs'], `${where}.kwargs`);
  if (!Number.isInteger(kwargs['min_allowed_weights']) || (kwargs['min_allowed_weights'] as number) < 0) {
    fail(`${where}.kwargs.min_allowed_weights`, 'an integer >= 0', kwargs['min_allowed_weights']);
  }
  if (typeof kwargs['max_weight_limit'] !== 'number' || !Number.isFinite(kwargs['max_weight_limit'])) {
    fail(`${where}.kwargs.max_weight_limit`, 'a finite number', kwargs['max_weight_limit']);
  }
  const metagraph = object(root['metagraph'], `${where}.metagraph`);
  if (metagraph['source'] !== 'chain' && metagraph['source'] !== 'static') fail(`${where}.metagraph.source`, '"chain" or "static"', metagraph['source']);
  const blockNumber = metagraph['block_number'];
  if (blockNumber !== null && !Number.isSafeInteger(blockNumber)) fail(`${where}.metagraph.block_number`, 'an integer or null', blockNumber);
  const blockHash = metagraph['block_hash'];
  if (blockHash !== null && typeof blockHash !== 'string') fail(`${where}.metagraph.block_hash`, 'a string or null', blockHash);
  return {
    format_version: EPOCH_INPUTS_FORMAT_VERSION,
    epoch: epoch as number,
    challenge_results,
    hotkey_to_uid: mapping as Record<string, number>,
    kwargs: { min_allowed_weights: kwargs['min_allowed_weights'] as number, max_weight_limit: kwargs['max_weight_limit'] as number },
    metagraph: { source: metagraph['source'], block_number: blockNumber as number | null, block_hash: blockHash as string | null },
  };
}

function parseSource(value: unknown, where: string): EpochInputSource {
  const item = object(value, where);
  const str = (key: string, nullable: boolean): string | null => {
    const v = item[key];
    if (typeof v === 'string' || (nullable && v === null)) return v as string | null;
    return fail(`${where}.${key}`, nullable ? 'a string or null' : 'a string', v);
  };
  const slug = str('slug', false) as string;
  const emission = item['emission_percent'];
  if (typeof emission !== 'number' || !Number.isFinite(emission)) fail(`${where}.emission_percent`, 'a finite number', emission);
  const outcome = item['outcome'];
  if (outcome !== 'fresh' && outcome !== 'carried' && outcome !== 'failed') fail(`${where}.outcome`, 'fresh, carried or failed', outcome);
  if (typeof item['ok'] !== 'boolean') fail(`${where}.ok`, 'true or false', item['ok']);
  if (typeof item['raw_scores_published'] !== 'boolean') fail(`${where}.raw_scores_published`, 'true or false', item['raw_scores_published']);
  const carried = item['carried_from_epoch'];
  if (carried !== null && !Number.isSafeInteger(carried)) fail(`${where}.carried_from_epoch`, 'an integer or null', carried);
  const count = item['hotkey_count'];
  if (!Number.isSafeInteger(count) || (count as number) < 0) fail(`${where}.hotkey_count`, 'an integer >= 0', count);
  const source: EpochInputSource = {
    slug,
    emission_percent: emission,
    ok: item['ok'],
    error: str('error', true),
    outcome,
    carried_from_epoch: carried as number | null,
    reason: str('reason', true),
    snapshot_digest: str('snapshot_digest', true),
    hotkey_count: count as number,
    raw_scores_published: item['raw_scores_published'],
  };
  if (item['weights'] !== undefined) {
    const weights = object(item['weights'], `${where}.weights`);
    for (const [hotkey, score] of Object.entries(weights)) {
      if (score !== null && typeof score !== 'number') fail(`${where}.weights["${hotkey}"]`, 'a number or null', score);
    }
    source.weights = weights as Record<string, number | null>;
  }
  return source;
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'an object', value);
  return value as Record<string, unknown>;
}

function fail(where: string, expected: string, found: unknown): never {
  const shown = found === undefined ? 'nothing' : (JSON.stringify(found)?.slice(0, 80) ?? String(found));
  throw new AggregationInputError(`${where}: expected ${expected}, found ${shown}`);
}
