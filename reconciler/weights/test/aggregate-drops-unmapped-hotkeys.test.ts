import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateChallengeWeights } from '../aggregate.ts';

test('a hotkey unknown to the metagraph is dropped and its mass burns to uid 0', () => {
  const r = aggregateChallengeWeights(
    [{ slug: 'a', emission_percent: 100, weights: { hk1: 1, stranger: 3 } }],
    new Map([['hk1', 4]]),
  );
  assert.deepEqual(r.uids, [0, 4]);
  assert.deepEqual(r.weights, [0.75, 0.25]);
  assert.deepEqual([...r.hotkeyWeights], [['hk1', 0.25]]);
});

test('a hotkey registered on uid 0 is dropped from hotkey_weights and its mass burns', () => {
  const r = aggregateChallengeWeights(
    [{ slug: 'a', emission_percent: 100, weights: { owner: 1, hk1: 1 } }],
    { owner: 0, hk1: 1 },
  );
  assert.deepEqual(r.uids, [0, 1]);
  assert.deepEqual(r.weights, [0.5, 0.5]);
  assert.deepEqual(Object.fromEntries(r.hotkeyWeights), { hk1: 0.5 });
});

test('hotkeys sharing a uid add up; hotkey_weights keeps them apart in first-seen order', () => {
  const r = aggregateChallengeWeights(
    [
      { slug: 'a', emission_percent: 50, weights: { z: 1, y: 1 } },
      { slug: 'b', emission_percent: 50, weights: { x: 2, z: 2 } },
    ],
    { x: 5, y: 9, z: 9 },
  );
  assert.deepEqual([...r.hotkeyWeights.keys()], ['z', 'y', 'x']);
  assert.deepEqual(Object.fromEntries(r.hotkeyWeights), { z: 0.5, y: 0.25, x: 0.25 });
  assert.deepEqual(r.uids, [5, 9]);
  assert.deepEqual(r.weights, [0.25, 0.75]);
});

test('the metagraph is looked up as own keys only: "constructor" or "__proto__" hotkeys are unknown', () => {
  const r = aggregateChallengeWeights(
    [{ slug: 'a', emission_percent: 100, weights: JSON.parse('{"constructor": 1, "__proto__": 1, "hk1": 2}') }],
    { hk1: 1 },
  );
  assert.deepEqual(r.uids, [0, 1]);
  assert.deepEqual(r.weights, [0.5, 0.5]);
});
