import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StoreUnavailableError, type ControlPlaneStore } from '../../store/index.ts';
import { EPOCH, farFuture, memoryStore, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let inner: ControlPlaneStore;
before(async () => {
  subnet = await twoChallengeSubnet();
  inner = await memoryStore();
});
after(async () => {
  await subnet.close();
  await inner.close();
});

/** The store as a caller sees it when the database goes away: every call rejects with StoreUnavailableError. */
function switchable(store: ControlPlaneStore) {
  const state = { down: false, calls: 0 };
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        state.calls += 1;
        if (state.down) return Promise.reject(new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432 (test outage)'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, state };
}

test('with the store away the last vector keeps being served, the gap shows in status, and sealing resumes when it returns', async () => {
  const { store, state } = switchable(inner);
  const loop = subnet.loop(store, { retry: { minMs: 20, maxMs: 50 } });
  assert.equal((await loop.runEpoch(EPOCH, { retryUntil: farFuture() })).status, 'sealed');
  const served = loop.latest();

  state.down = true;
  const pending = loop.runEpoch(EPOCH + 1, { retryUntil: farFuture() });
  const callsAtCut = state.calls;
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(loop.latest(), served, 'still serving the last sealed vector');
  const during = loop.status();
  assert.equal(during.storeAvailable, false);
  assert.equal(during.lastSealedEpoch, EPOCH);
  assert.match(during.lastError ?? '', /epoch 5000001: retrying \(attempt \d+\): .*ECONNREFUSED/);
  assert.ok(state.calls - callsAtCut >= 3, `retried with backoff (${state.calls - callsAtCut} calls in 400 ms)`);
  assert.ok(loop.details().store.unavailableSince, 'the outage start is recorded');
  await assert.rejects(loop.atEpoch(EPOCH - 5), StoreUnavailableError, 'older epochs need the store');
  assert.equal(await loop.atEpoch(EPOCH), served, 'the served epoch comes from memory');

  state.down = false;
  const result = await pending;
  assert.equal(result.status, 'sealed', JSON.stringify(result));
  assert.equal(loop.latest()?.epoch, EPOCH + 1);
  assert.deepEqual(loop.status(), { lastSealedEpoch: EPOCH + 1, lastError: null, storeAvailable: true });
  assert.equal(loop.details().store.outages, 1);
  assert.equal((await inner.vectorAt(EPOCH + 1))?.digest, loop.latest()?.digest);
});

test('an outage that outlasts the epoch ends that epoch without a seal; the vector served is unchanged', async () => {
  const { store, state } = switchable(inner);
  const loop = subnet.loop(store, { retry: { minMs: 20, maxMs: 50 } });
  await loop.loadLatest();
  const served = loop.latest();
  state.down = true;
  const result = await loop.runEpoch(EPOCH + 2, { retryUntil: new Date(Date.now() + 300) });
  assert.equal(result.status, 'failed');
  assert.match(result.status === 'failed' ? result.error : '', /ECONNREFUSED/);
  assert.equal(loop.latest(), served);
});
