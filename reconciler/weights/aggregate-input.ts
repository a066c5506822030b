import { AggregationInputError } from './aggregate.ts';
import type { AggregationOptions, ChallengeResult } from './aggregate.ts';

/** What `aggregateChallengeWeights` needs, as read from a replay file (the fixtures' `inputs` object). */
export interface AggregationInput {
  challengeResults: ChallengeResult[];
  hotkeyToUid: Map<string, number>;
  options: AggregationOptions;
}

/**
 * Reads `{challenge_results, hotkey_to_uid, kwargs?}` from parsed JSON, checking every field and naming the
 * offending one (`where` prefixes the path, e.g. the file name). Score values inside `weights` are not checked
 * here: invalid scores are the aggregation's business (they are dropped), not a malformed input.
 */
export function parseAggregationInput(value: unknown, where = 'inputs'): AggregationInput {
  const root = expectObject(value, where);
  const results = root['challenge_results'];
  if (!Array.isArray(results)) fail(`${where}.challenge_results`, 'an array', results);
  const challengeResults = results.map((item, i) => parseChallengeResult(item, `${where}.challenge_results[${i}]`));

  const mapping = expectObject(root['hotkey_to_uid'], `${where}.hotkey_to_uid`);
  const hotkeyToUid = new Map<string, number>();
  for (const [hotkey, uid] of Object.entries(mapping)) {
    if (!Number.isInteger(uid) || (uid as number) < 0 || (uid as number) > 65535) {
      fail(`${where}.hotkey_to_uid["${hotkey}"]`, 'a uid (integer 0..65535)', uid);
    }
    hotkeyToUid.set(hotkey, uid as number);
  }

  const options: AggregationOptions = {};
  if (root['kwargs'] !== undefined) {
    const kwargs = expectObject(root['kwargs'], `${where}.kwargs`);
    for (const [key, raw] of Object.entries(kwargs)) {
      if (key === 'min_allowed_weights') {
        if (!Number.isInteger(raw) || (raw as number) < 0) fail(`${where}.kwargs.min_allowed_weights`, 'an integer >= 0', raw);
        options.minAllowedWeights = raw as number;
      } else if (key === 'max_weight_limit') {
        if (typeof raw !== 'number' || !Number.isFinite(raw)) fail(`${where}.kwargs.max_weight_limit`, 'a finite number', raw);
        options.maxWeightLimit = raw;
      } else {
        throw new AggregationInputError(
          `${where}.kwargs.${key}: unknown option; expected min_allowed_weights or max_weight_limit`,
        );
      }
    }
  }
  return { challengeResults, hotkeyToUid, options };
}

function parseChallengeResult(value: unknown, where: string): ChallengeResult {
  const item = expectObject(value, where);
  const { slug, emission_percent: emission, weights, ok, error } = item;
  if (typeof slug !== 'string') fail(`${where}.slug`, 'a string', slug);
  if (typeof emission !== 'number' || !Number.isFinite(emission)) fail(`${where}.emission_percent`, 'a finite number', emission);
  if (ok !== undefined && typeof ok !== 'boolean') fail(`${where}.ok`, 'true or false', ok);
  if (error !== undefined && error !== null && typeof error !== 'string') fail(`${where}.error`, 'a string or null', error);
  const result: ChallengeResult = {
    slug,
    emission_percent: emission,
    weights: weights === undefined ? {} : expectObject(weights, `${where}.weights`),
    ok: ok ?? true,
    error: error ?? null,
  };
  return result;
}

function expectObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'an object', value);
  return value as Record<string, unknown>;
}

function fail(where: string, expected: string, found: unknown): never {
  const shown = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 80) ?? String(found);
  throw new AggregationInputError(`${where}: expected ${expected}, found ${shown}`);
}
