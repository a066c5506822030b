import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateChallengeWeights } from '../aggregate.ts';
import type { ChallengeResult } from '../aggregate.ts';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function scenario(hotkeyCount: number, challengeCount: number) {
  const next = random(hotkeyCount * 31 + challengeCount);
  const hotkeys = Array.from({ length: hotkeyCount }, (_, i) => `5hk${i.toString(36)}x`);
  const metagraph: Record<string, number> = {};
  hotkeys.forEach((hotkey, i) => {
    if (i % 7 !== 3) metagraph[hotkey] = Math.floor(next() * 2000); // some unknown, some on uid 0, some sharing
  });
  const results: ChallengeResult[] = Array.from({ length: challengeCount }, (_, c) => ({
    slug: `c${c}`,
    emission_percent: next() * 40,
    weights: Object.fromEntries(hotkeys.filter(() => next() < 0.8).map((hotkey) => [hotkey, next() < 0.05 ? -1 : next() * 1000])),
    ok: next() > 0.1,
  }));
  return { results, metagraph };
}

test('plain objects and Maps give bit-identical vectors (same first-seen order)', () => {
  const { results, metagraph } = scenario(3000, 9);
  const fromObjects = aggregateChallengeWeights(results, metagraph);
  const fromMaps = aggregateChallengeWeights(
    results.map((r) => ({ ...r, weights: new Map(Object.entries(r.weights as Record<string, unknown>)) })),
    new Map(Object.entries(metagraph)),
  );
  assert.deepEqual(fromMaps.uids, fromObjects.uids);
  assert.deepEqual(fromMaps.weights, fromObjects.weights);
  assert.deepEqual([...fromMaps.hotkeyWeights], [...fromObjects.hotkeyWeights]);
});

test('more than 4,096 hotkeys (buffer growth) keeps every score and sums to 1', () => {
  const hotkeys = Array.from({ length: 10_000 }, (_, i) => `5big${i}`);
  const r = aggregateChallengeWeights(
    [{ slug: 'a', emission_percent: 100, weights: new Map(hotkeys.map((hotkey) => [hotkey, 1])) }],
    new Map(hotkeys.map((hotkey, i) => [hotkey, i + 1])),
  );
  assert.equal(r.uids.length, 10_000);
  assert.equal(r.hotkeyWeights.size, 10_000);
  assert.deepEqual(new Set(r.weights), new Set([1 / 10_000]));
  assert.deepEqual(r.uids.slice(0, 3), [1, 2, 3]);
  assert.equal(r.uids.at(-1), 10_000);
});

test('the vector is sorted by uid, uids are distinct, weights are finite and sum to 1', () => {
  const { results, metagraph } = scenario(2500, 12);
  const r = aggregateChallengeWeights(results, metagraph);
  assert.ok(r.uids.every((uid, i) => i === 0 || uid > (r.uids[i - 1] as number)));
  assert.ok(r.weights.every((w) => Number.isFinite(w) && w > 0));
  assert.ok(Math.abs(r.weights.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.equal(r.hotkeyWeights.has('5hk3x'), false); // index 3 is not in the metagraph
});
