import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateChallengeWeights } from '../aggregate.ts';

const metagraph = { good1: 1, good2: 2, nan: 3, inf: 4, ninf: 5, neg: 6, zero: 7, str: 8, nul: 9, bool: 10, obj: 11 };

test('drops NaN, ±Infinity, negative, zero and non-number scores, then normalizes the rest to sum 1', () => {
  const r = aggregateChallengeWeights(
    [
      {
        slug: 'a',
        emission_percent: 100,
        weights: {
          nan: NaN,
          good1: 3,
          inf: Infinity,
          ninf: -Infinity,
          neg: -2,
          zero: 0,
          str: '5',
          nul: null,
          bool: true,
          obj: { v: 1 },
          good2: 1,
        },
      },
    ],
    metagraph,
  );
  assert.deepEqual(r.uids, [1, 2]);
  assert.deepEqual(r.weights, [0.75, 0.25]);
  assert.deepEqual([...r.hotkeyWeights], [['good1', 0.75], ['good2', 0.25]]);
});

test('a challenge whose scores are all invalid counts as empty: its share burns', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'bad', emission_percent: 60, weights: { good1: -1, good2: NaN } },
      { slug: 'ok', emission_percent: 40, weights: { good2: 7 } },
    ],
    metagraph,
  );
  assert.deepEqual(r.uids, [0, 2]);
  assert.deepEqual(r.weights, [0.6, 0.4]);
});

test('scores given as a Map are cleaned the same way', () => {
  const r = aggregateChallengeWeights(
    [{ slug: 'a', emission_percent: 100, weights: new Map<string, unknown>([['good1', 1], ['neg', -1], ['good2', 3]]) }],
    metagraph,
  );
  assert.deepEqual(r.weights, [0.25, 0.75]);
});
