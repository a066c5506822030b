import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlaneStore } from '../../store/index.ts';
import { verifyVector } from '../../weights/seal.ts';
import { vectorSchemaProblems } from '../../weights/vector-schema.ts';
import { EPOCH, farFuture, memoryStore, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let store: ControlPlaneStore;
before(async () => {
  subnet = await twoChallengeSubnet();
  store = await memoryStore();
});
after(async () => {
  await subnet.close();
  await store.close();
});

const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-12, `${what}: ${actual}, expected ${expected}`);

test('one key that is not an SS58 address: the challenge stays ok, its valid hotkeys are paid, only the junk mass burns', async () => {
  const [alpha, beta] = subnet.challenges;
  // alpha (60 %) scores the six miners 1..6 (sum 21) and one junk key with 21: half of alpha's share is the junk's.
  alpha!.weights = { ...Object.fromEntries(subnet.hotkeys.map((h, i) => [h, i + 1])), 'miner-42 (not an address)': 21 };
  const loop = subnet.loop(store);
  const result = await loop.runEpoch(EPOCH, { retryUntil: farFuture() });
  assert.equal(result.status, 'sealed', JSON.stringify(result));
  const vector = loop.latest()!;
  assert.deepEqual(vectorSchemaProblems(vector), []);
  assert.deepEqual(verifyVector(JSON.parse(JSON.stringify(vector)), subnet.keypair.publicKey), { ok: true });

  const source = vector.source_challenges.find((s) => s.slug === 'alpha')!;
  assert.equal(source.ok, true);
  assert.equal(source.outcome, 'fresh');
  assert.equal(source.error, null);
  assert.equal(source.hotkey_count, 7);
  assert.equal(source.unknown_hotkey_count, 1);
  assert.equal(vector.source_challenges.find((s) => s.slug === 'beta')!.unknown_hotkey_count, 0);
  assert.equal(alpha!.requests, 1, 'the answer was taken the first time');

  // uid i+1: alpha 0.6 * (i+1)/42, beta 0.3 * (10-i)/27 for the first three; burn: the unallocated 10 % + alpha's 30 %.
  const weightOf = (uid: number) => vector.weights[vector.uids.indexOf(uid)];
  assert.deepEqual(vector.uids, [0, 1, 2, 3, 4, 5, 6]);
  close(weightOf(0), 0.1 + 0.3, 'burn');
  subnet.hotkeys.forEach((_, i) => close(weightOf(i + 1), (0.6 * (i + 1)) / 42 + (i < 3 ? (0.3 * (10 - i)) / 27 : 0), `uid ${i + 1}`));
  assert.equal(Object.hasOwn(vector.hotkey_weights, 'miner-42 (not an address)'), false);
  assert.equal(beta!.requests, 1);
});
