import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAggregationInput } from '../aggregate-input.ts';

const valid = {
  challenge_results: [
    { slug: 'a', emission_percent: 40, weights: { hk1: 1, hk2: 'x' }, ok: true, error: null },
    { slug: 'b', emission_percent: 10 },
  ],
  hotkey_to_uid: { hk1: 1, hk2: 2 },
  kwargs: { min_allowed_weights: 2, max_weight_limit: 30000 },
};

test('reads challenge results, the metagraph and the chain limits, with the reference defaults', () => {
  const input = parseAggregationInput(valid);
  assert.deepEqual(input.challengeResults[1], { slug: 'b', emission_percent: 10, weights: {}, ok: true, error: null });
  assert.deepEqual(input.challengeResults[0]?.weights, { hk1: 1, hk2: 'x' });
  assert.deepEqual([...input.hotkeyToUid], [['hk1', 1], ['hk2', 2]]);
  assert.deepEqual(input.options, { minAllowedWeights: 2, maxWeightLimit: 30000 });
  assert.deepEqual(parseAggregationInput({ ...valid, kwargs: {} }).options, {});
  assert.deepEqual(parseAggregationInput({ challenge_results: [], hotkey_to_uid: {} }).options, {});
});

test('names the offending field, what it found and what it expected', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /^AggregationInputError: inputs: expected an object, found \[\]/],
    [{ ...valid, challenge_results: {} }, /inputs\.challenge_results: expected an array, found \{\}/],
    [{ ...valid, challenge_results: [{ emission_percent: 1 }] }, /challenge_results\[0\]\.slug: expected a string, found nothing/],
    [{ ...valid, challenge_results: [{ slug: 'a', emission_percent: '40' }] }, /challenge_results\[0\]\.emission_percent: expected a finite number, found "40"/],
    [{ ...valid, challenge_results: [{ slug: 'a', emission_percent: 1, ok: 'yes' }] }, /challenge_results\[0\]\.ok: expected true or false/],
    [{ ...valid, challenge_results: [{ slug: 'a', emission_percent: 1, weights: [1] }] }, /challenge_results\[0\]\.weights: expected an object/],
    [{ ...valid, hotkey_to_uid: { hk1: -1 } }, /hotkey_to_uid\["hk1"\]: expected a uid \(integer 0\.\.65535\), found -1/],
    [{ ...valid, hotkey_to_uid: { hk1: 1.5 } }, /hotkey_to_uid\["hk1"\]/],
    [{ ...valid, kwargs: { min_allowed_weights: 1.5 } }, /kwargs\.min_allowed_weights: expected an integer >= 0, found 1.5/],
    [{ ...valid, kwargs: { max_weight_limit: null } }, /kwargs\.max_weight_limit: expected a finite number, found null/],
    [{ ...valid, kwargs: { burn_uid: 3 } }, /kwargs\.burn_uid: unknown option/],
  ];
  for (const [input, message] of cases) assert.throws(() => parseAggregationInput(input), message);
});

test('prefixes paths with the caller\'s location', () => {
  assert.throws(() => parseAggregationInput({ challenge_results: 1 }, 'epoch.json#inputs'), /^AggregationInputError: epoch\.json#inputs\.challenge_results/);
});
