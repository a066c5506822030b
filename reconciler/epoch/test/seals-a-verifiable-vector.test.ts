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

test('an epoch collected from two challenges is sealed, stored, served, and verifies with only the public key', async () => {
  const loop = subnet.loop(store);
  assert.equal(loop.latest(), null, 'nothing before the first seal');
  assert.deepEqual(loop.status(), { lastSealedEpoch: null, lastError: null, storeAvailable: true });

  const result = await loop.runEpoch(EPOCH, { retryUntil: farFuture() });
  assert.equal(result.status, 'sealed', JSON.stringify(result));
  const vector = loop.latest();
  assert.ok(vector);
  assert.equal(vector.epoch, EPOCH);
  assert.deepEqual(verifyVector(JSON.parse(JSON.stringify(vector)), subnet.keypair.publicKey), { ok: true });
  assert.deepEqual(vectorSchemaProblems(vector), []);
  assert.deepEqual(loop.status(), { lastSealedEpoch: EPOCH, lastError: null, storeAvailable: true });

  // Stored insert-once, the same document the reader serves.
  const stored = await store.vectorAt(EPOCH);
  assert.equal(stored?.digest, vector.digest);
  assert.deepEqual(stored?.document, vector);
  assert.equal(await loop.atEpoch(EPOCH), vector);
  assert.equal(await loop.atEpoch(EPOCH - 1), null);

  // Provenance: both fresh, each with the digest of the snapshot stored for this epoch.
  for (const source of vector.source_challenges) {
    const snapshot = await store.getSnapshot(source.slug, EPOCH);
    assert.ok(snapshot, `snapshot of ${source.slug} stored`);
    assert.equal(source.outcome, 'fresh');
    assert.equal(source.ok, true);
    assert.equal(source.snapshot_digest, snapshot.digest);
    assert.equal(source.hotkey_count, snapshot.hotkeyCount);
  }
  assert.deepEqual(vector.source_challenges.map((s) => [s.slug, s.emission_percent]), [['alpha', 60], ['beta', 30]]);

  // The content: every miner on its uid, 10 % burned to uid 0, metadata as configured.
  assert.deepEqual(vector.uids, [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(Math.abs(vector.weights[0]! - 0.1) < 1e-12, `burn ${vector.weights[0]}`);
  assert.equal(vector.netuid, 7);
  assert.equal(vector.desired_state_revision, 'test-revision');
  assert.equal(vector.metagraph.source, 'static');
  assert.equal(Date.parse(vector.expires_at) - Date.parse(vector.computed_at), (360 + 720) * 1000, 'valid one epoch (360 s) + 720 s');
  assert.equal(subnet.challenges[0]!.requests, 1);
});
