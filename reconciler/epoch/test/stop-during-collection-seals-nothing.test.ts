import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControlPlaneStore } from '../../store/index.ts';
import { startChallengeServer, type TestChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import { EPOCH, farFuture, memoryStore, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let store: ControlPlaneStore;
let slow: TestChallengeServer;
before(async () => {
  subnet = await twoChallengeSubnet();
  store = await memoryStore();
  slow = await startChallengeServer(() => new Promise<void>(() => {})); // never answers
});
after(async () => {
  await subnet.close();
  await slow.close();
  await store.close();
});

test('stopping the loop mid-collection seals nothing (the aborted fetches are not the challenges\' failures)', async () => {
  const loop = subnet.loop(store, { originFor: () => slow.origin, fetch: { attempts: 1, timeoutMs: 30_000 } });
  const pending = loop.runEpoch(EPOCH, { retryUntil: farFuture() });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  await loop.stop();
  const result = await pending;
  assert.ok(Date.now() - started < 2_000, 'the fetches were aborted, not waited for');
  assert.equal(result.status, 'failed');
  assert.match(result.status === 'failed' ? result.error : '', /stopped during collection/);
  assert.equal(await store.vectorAt(EPOCH), null);
  assert.equal(loop.latest(), null);
});
