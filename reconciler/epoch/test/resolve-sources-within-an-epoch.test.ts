import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlaneStore } from '../../store/index.ts';
import { randomHotkey } from '../../weights/collect/test/challenge-server.ts';
import { resolveSources } from '../resolve-sources.ts';
import { memoryStore } from './support.ts';

let store: ControlPlaneStore;
before(async () => {
  store = await memoryStore();
});
after(async () => {
  await store.close();
});

const hk = [randomHotkey(), randomHotkey()];
const challenges = [{ slug: 'alpha', emissionPercent: 50 }];
const ok = (weights: Record<string, number>) =>
  new Map([['alpha', { ok: true as const, slug: 'alpha', attempts: 1, durationMs: 1, bytes: 1, reportedEpoch: null, weights: new Map(Object.entries(weights)) }]]);
const failed = new Map([['alpha', { ok: false as const, slug: 'alpha', attempts: 3, durationMs: 1, reason: 'timed out after 10000 ms (3 attempts)', status: null }]]);

test('a second, different answer in the same epoch yields to the stored snapshot (the epoch stays reproducible)', async () => {
  const first = await resolveSources({ epoch: 10, challenges, fetched: ok({ [hk[0]!]: 1 }), store, fetchedAt: new Date() });
  assert.deepEqual(first.conflicts, []);
  const second = await resolveSources({ epoch: 10, challenges, fetched: ok({ [hk[1]!]: 1 }), store, fetchedAt: new Date() });
  assert.deepEqual(second.conflicts, ['alpha']);
  assert.equal(second.provenance[0]!.snapshotDigest, first.provenance[0]!.snapshotDigest);
  assert.deepEqual([...(second.results[0]!.weights as Map<string, number>).keys()], [hk[0]], 'the stored answer is used');
});

test('a failure after a good answer earlier in the same epoch still counts as that epoch\'s fresh answer', async () => {
  const resolved = await resolveSources({ epoch: 10, challenges, fetched: failed, store, fetchedAt: new Date() });
  assert.deepEqual(resolved.provenance[0]!.outcome, { kind: 'fresh' });
  assert.equal(resolved.results[0]!.ok, true);
});

test('a challenge missing from the collection is failed, or carried when a recent snapshot exists', async () => {
  const carried = await resolveSources({ epoch: 12, challenges, fetched: new Map(), store, fetchedAt: new Date() });
  assert.deepEqual(carried.provenance[0]!.outcome, { kind: 'carried', fromEpoch: 10, reason: 'not collected' });
  const gone = await resolveSources({ epoch: 13, challenges, fetched: failed, store, fetchedAt: new Date() });
  assert.equal(gone.provenance[0]!.outcome.kind, 'failed');
  assert.equal(gone.results[0]!.ok, false);
  assert.match(gone.results[0]!.error ?? '', /^timed out after 10000 ms \(3 attempts\); the last good snapshot \(epoch 10\) is 3 epochs old/);
});
