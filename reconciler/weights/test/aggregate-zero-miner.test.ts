import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateChallengeWeights, buildZeroMinerWeights, ZeroMinerWeightError } from '../aggregate.ts';

const metagraph = { owner: 0, m9: 9, m3: 3, m7: 7, m3b: 3 };
const noMiners = [{ slug: 'a', emission_percent: 100, weights: {} }];

test('no miner mass at all gives the single burn vector {0: 1.0} with default chain limits', () => {
  const r = aggregateChallengeWeights(noMiners, metagraph);
  assert.deepEqual(r, { uids: [0], weights: [1], hotkeyWeights: new Map(), zeroMiner: true });
});

test('mass only on uid 0 or unknown hotkeys, or no challenges at all, is the zero-miner case too', () => {
  const onOwner = aggregateChallengeWeights([{ slug: 'a', emission_percent: 100, weights: { owner: 1, ghost: 1 } }], metagraph);
  assert.deepEqual(onOwner.uids, [0]);
  assert.deepEqual(onOwner.hotkeyWeights, new Map());
  assert.deepEqual(aggregateChallengeWeights([], metagraph).uids, [0]);
  assert.deepEqual(aggregateChallengeWeights([{ slug: 'x', emission_percent: 100, weights: { m9: 1 }, ok: false }], metagraph).uids, [0]);
});

test('a miner total at or below 1e-12 is treated as no miner mass', () => {
  const r = aggregateChallengeWeights([{ slug: 'a', emission_percent: 1e-10, weights: { m9: 1 } }], metagraph);
  assert.equal(r.zeroMiner, true);
  const above = aggregateChallengeWeights([{ slug: 'a', emission_percent: 1e-9, weights: { m9: 1 } }], metagraph);
  assert.equal(above.zeroMiner, false);
  assert.deepEqual(above.uids, [0, 9]);
});

test('min_allowed_weights pads with uid 0 then the smallest other metagraph uids, equal weights', () => {
  const r = aggregateChallengeWeights(noMiners, metagraph, { minAllowedWeights: 3 });
  assert.deepEqual(r.uids, [0, 3, 7]);
  assert.deepEqual(r.weights, [1 / 3, 1 / 3, 1 / 3]);
});

test('max_weight_limit pads to ceil(65535 / max_weight_limit) uids', () => {
  assert.deepEqual(buildZeroMinerWeights([0, 9, 3, 7], { maxWeightLimit: 32768 }), { uids: [0, 3], weights: [0.5, 0.5] });
  assert.deepEqual(buildZeroMinerWeights([0, 9, 3, 7], { maxWeightLimit: 32767 }).uids, [0, 3, 7]);
  assert.deepEqual(buildZeroMinerWeights([0, 9, 3, 7], { maxWeightLimit: 21845 }).uids, [0, 3, 7]);
  assert.deepEqual(buildZeroMinerWeights([9, 3, 7], { maxWeightLimit: 16384, minAllowedWeights: 2 }).uids, [0, 3, 7, 9]);
  // A limit above 65535 caps nothing.
  assert.deepEqual(buildZeroMinerWeights([5], { maxWeightLimit: 70000 }).uids, [0]);
});

test('the larger of min_allowed_weights and the max_weight_limit requirement wins', () => {
  assert.deepEqual(buildZeroMinerWeights([1, 2, 3, 4, 5], { minAllowedWeights: 4, maxWeightLimit: 32768 }).uids, [0, 1, 2, 3]);
  assert.deepEqual(buildZeroMinerWeights([1, 2, 3, 4, 5], { minAllowedWeights: 2, maxWeightLimit: 13107 }).uids, [0, 1, 2, 3, 4]);
});

test('too few metagraph uids for the required padding is an error, not an invalid vector', () => {
  assert.throws(
    () => aggregateChallengeWeights(noMiners, metagraph, { minAllowedWeights: 5 }),
    (error: unknown) =>
      error instanceof ZeroMinerWeightError &&
      /need 5 uids \(min_allowed_weights=5, max_weight_limit=65535\) but only 4 usable uid\(s\) available/.test(error.message),
  );
  assert.throws(() => buildZeroMinerWeights([], { maxWeightLimit: 30000 }), ZeroMinerWeightError);
});

test('max_weight_limit <= 0 admits no positive weight: an error', () => {
  assert.throws(() => aggregateChallengeWeights(noMiners, metagraph, { maxWeightLimit: 0 }), /max_weight_limit=0 admits no positive weight/);
  assert.throws(() => buildZeroMinerWeights([1, 2], { maxWeightLimit: -1 }), ZeroMinerWeightError);
});

test('the chain limits only matter on the zero-miner path', () => {
  const r = aggregateChallengeWeights([{ slug: 'a', emission_percent: 100, weights: { m9: 1 } }], metagraph, { minAllowedWeights: 50, maxWeightLimit: 0 });
  assert.deepEqual(r.uids, [9]);
  assert.deepEqual(r.weights, [1]);
});
