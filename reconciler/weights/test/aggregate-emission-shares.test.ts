import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateChallengeWeights } from '../aggregate.ts';
import type { AggregationResult } from '../aggregate.ts';

const metagraph = { hk1: 1, hk2: 2, hk3: 3, owner: 0 };
const vector = (r: AggregationResult) => Object.fromEntries(r.uids.map((uid, i) => [uid, r.weights[i]]));

test('shares under 100% leave the remainder to burn on uid 0', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 30, weights: { hk1: 1 }, ok: true },
      { slug: 'b', emission_percent: 20, weights: { hk2: 5 }, ok: true },
    ],
    metagraph,
  );
  assert.deepEqual(r.uids, [0, 1, 2]);
  assert.deepEqual(r.weights, [0.5, 0.3, 0.2]);
  assert.equal(r.zeroMiner, false);
});

test('over-allocated shares (sum past 100%) are scaled to sum exactly 1, so nothing burns', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 90, weights: { hk1: 1 } },
      { slug: 'b', emission_percent: 60, weights: { hk2: 1 } },
      { slug: 'c', emission_percent: 50, weights: { hk3: 1 } },
    ],
    metagraph,
  );
  assert.deepEqual(r.uids, [1, 2, 3]);
  assert.deepEqual(r.weights, [0.45, 0.3, 0.25]);
  assert.deepEqual(Object.fromEntries(r.hotkeyWeights), { hk1: 0.45, hk2: 0.3, hk3: 0.25 });
});

test('a failed challenge (ok=false) neither counts toward the allocation nor scores; its share burns', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 40, weights: { hk1: 1 }, ok: true },
      { slug: 'down', emission_percent: 80, weights: { hk2: 1 }, ok: false, error: 'HTTP 503' },
    ],
    metagraph,
  );
  // Only 40% is allocated (no scaling from 120%), hk2 gets nothing, 60% burns.
  assert.deepEqual(vector(r), { 0: 0.6, 1: 0.4 });
  assert.equal(r.hotkeyWeights.has('hk2'), false);
});

test('an empty challenge burns its share', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 50, weights: { hk1: 1 } },
      { slug: 'empty', emission_percent: 50, weights: {} },
      { slug: 'absent', emission_percent: 0 },
    ],
    metagraph,
  );
  assert.deepEqual(vector(r), { 0: 0.5, 1: 0.5 });
});

test('a negative emission_percent counts as 0: the challenge scores nothing', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 100, weights: { hk1: 1 } },
      { slug: 'neg', emission_percent: -50, weights: { hk2: 1 } },
    ],
    metagraph,
  );
  assert.deepEqual(vector(r), { 1: 1 });
});

test('a repeated slug: the last share wins and, as in the reference, applies to every ok result under that slug', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 10, weights: { hk1: 1 } },
      { slug: 'b', emission_percent: 20, weights: { hk3: 1 } },
      { slug: 'a', emission_percent: 30, weights: { hk2: 1 } },
    ],
    metagraph,
  );
  // share(a) = 0.3 for both results under "a": hk1 0.3, hk2 0.3, hk3 0.2, burn 0.2.
  assert.deepEqual(Object.fromEntries(r.hotkeyWeights), { hk1: 0.3, hk3: 0.2, hk2: 0.3 });
  assert.deepEqual(r.uids, [0, 1, 2, 3]);
  assert.ok(Math.abs((r.weights[0] as number) - 0.2) < 1e-15);
});

test('a repeated slug whose last result failed keeps the share of the last ok one', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 30, weights: { hk1: 1 } },
      { slug: 'a', emission_percent: 70, weights: { hk2: 1 }, ok: false },
    ],
    metagraph,
  );
  assert.deepEqual(vector(r), { 0: 0.7, 1: 0.3 });
});

test('rejects a non-finite emission_percent on an ok challenge instead of producing NaN weights', () => {
  assert.throws(
    () => aggregateChallengeWeights([{ slug: 'x', emission_percent: NaN, weights: { hk1: 1 } }], metagraph),
    /challenge "x": emission_percent is NaN/,
  );
  // On a failed challenge it is never read.
  const r = aggregateChallengeWeights([{ slug: 'x', emission_percent: Infinity, ok: false }], metagraph);
  assert.deepEqual(r.uids, [0]);
});

test('sums with CPython 3.12 compensation: ten scores of 0.1 normalize to exactly 0.1 each', () => {
  const weights = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`hk${i + 1}`, 0.1]));
  const hotkeys = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`hk${i + 1}`, i + 1]));
  const r = aggregateChallengeWeights([{ slug: 'a', emission_percent: 100, weights }], hotkeys);
  // A naive fold sums ten 0.1 to 0.9999999999999999 and would give 0.10000000000000002 each.
  assert.deepEqual([...r.hotkeyWeights.values()], Array(10).fill(0.1));
  assert.deepEqual(r.weights, Array(10).fill(0.1));
  assert.deepEqual(r.uids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});
