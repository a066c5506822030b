import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlaneStore } from '../../store/index.ts';
import { staticMetagraphSource } from '../metagraph-source.ts';
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

test('zero miners with too few uids for the chain rules: a clear error, nothing sealed, the previous vector still served', async () => {
  const loop = subnet.loop(store);
  assert.equal((await loop.runEpoch(EPOCH, { retryUntil: farFuture() })).status, 'sealed');
  const previous = loop.latest();

  // Nobody the challenges score is registered any more; only uid 0 and one other uid exist, but the chain
  // requires at least 4 weights: no valid vector exists.
  const impossible = subnet.loop(store, {
    metagraph: staticMetagraphSource({ '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM': 0, '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy': 1 }, { minAllowedWeights: 4 }),
  });
  await impossible.loadLatest();
  const started = Date.now();
  const result = await impossible.runEpoch(EPOCH + 1, { retryUntil: farFuture() });
  assert.ok(Date.now() - started < 5_000, 'not retried until the deadline: retrying cannot help');
  assert.equal(result.status, 'failed');
  assert.match(result.status === 'failed' ? result.error : '', /^epoch 5000001: nothing sealed: cannot build a chain-valid zero-miner weight vector: need 4 uids/);
  assert.equal(await store.vectorAt(EPOCH + 1), null, 'nothing stored');
  assert.equal(impossible.latest()?.digest, previous?.digest, 'the last sealed vector is still served');
  assert.equal(impossible.status().lastSealedEpoch, EPOCH);
  assert.match(impossible.status().lastError ?? '', /nothing sealed/);
});
