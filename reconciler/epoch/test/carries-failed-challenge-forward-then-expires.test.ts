import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlaneStore } from '../../store/index.ts';
import type { SealedVector } from '../../weights/vector.ts';
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

const beta = (vector: SealedVector) => vector.source_challenges.find((s) => s.slug === 'beta')!;

test('a failing challenge is carried from its last good snapshot for 2 epochs, then its share burns; it comes back fresh', async () => {
  const loop = subnet.loop(store);
  const [, b] = subnet.challenges;
  const run = async (epoch: number) => {
    const result = await loop.runEpoch(epoch, { retryUntil: farFuture() });
    assert.equal(result.status, 'sealed', JSON.stringify(result));
    return loop.latest()!;
  };

  const good = await run(EPOCH);
  assert.equal(beta(good).outcome, 'fresh');
  const goodSnapshot = await store.getSnapshot('beta', EPOCH);

  b!.failWith = 500;
  for (const epoch of [EPOCH + 1, EPOCH + 2]) {
    const vector = await run(epoch);
    const source = beta(vector);
    assert.equal(source.outcome, 'carried', `epoch ${epoch}`);
    assert.equal(source.ok, true);
    assert.equal(source.carried_from_epoch, EPOCH);
    assert.match(source.reason!, /answered HTTP 500 Internal Server Error, expected 200/);
    assert.equal(source.snapshot_digest, goodSnapshot!.digest);
    assert.equal(await store.getSnapshot('beta', epoch), null, 'no snapshot stored for a failed fetch');
    // Same inputs as the good epoch: the same vector content.
    assert.deepEqual([vector.uids, vector.weights], [good.uids, good.weights]);
  }

  const expired = await run(EPOCH + 3);
  const source = beta(expired);
  assert.equal(source.outcome, 'failed');
  assert.equal(source.ok, false);
  assert.equal(source.snapshot_digest, null);
  assert.match(source.error!, /HTTP 500.*the last good snapshot \(epoch 5000000\) is 3 epochs old, more than the 2 it may be carried/);
  // beta's 30 % now burns with the unallocated 10 %: uid 0 gets 40 %.
  assert.ok(Math.abs(expired.weights[0]! - 0.4) < 1e-12, `uid 0 weight ${expired.weights[0]}`);
  assert.ok(Math.abs(good.weights[0]! - 0.1) < 1e-12);

  b!.failWith = null;
  const back = await run(EPOCH + 4);
  assert.equal(beta(back).outcome, 'fresh');
  assert.deepEqual([back.uids, back.weights], [good.uids, good.weights]);
});

test('the carry-forward window is configurable; 0 means a failure burns at once', async () => {
  const strict = await memoryStore();
  try {
    const loop = subnet.loop(strict, { carryForwardEpochs: 0 });
    assert.equal((await loop.runEpoch(EPOCH, { retryUntil: farFuture() })).status, 'sealed');
    subnet.challenges[1]!.failWith = 503;
    assert.equal((await loop.runEpoch(EPOCH + 1, { retryUntil: farFuture() })).status, 'sealed');
    assert.equal(beta(loop.latest()!).outcome, 'failed');
  } finally {
    subnet.challenges[1]!.failWith = null;
    await strict.close();
  }
});
