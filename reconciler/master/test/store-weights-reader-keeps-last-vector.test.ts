import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteStore, StoreUnavailableError, trackAvailability, type ControlPlaneStore } from '../../store/index.ts';
import { withProvenance } from '../../weights/provenance.ts';
import { storeWeightsReader } from '../store-weights-reader.ts';
import type { WeightsVector } from '../weights-reader.ts';
import { send, startTestMaster } from './support.ts';

/** As served: the sealed document with its provenance fields. */
const served = (epoch: number) => withProvenance(doc(epoch) as WeightsVector);

const doc = (epoch: number) => ({ epoch, uids: [0, 1], weights: [0.5, 0.5], digest: `digest-${epoch}` }) as unknown as WeightsVector;

/** A store whose calls fail with StoreUnavailableError while `down` is set. */
function switchable(inner: ControlPlaneStore): { store: ControlPlaneStore; setDown(down: boolean): void } {
  let down = false;
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (down && key !== 'close') return Promise.reject(new StoreUnavailableError('store unreachable (test)'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, setDown: (value) => (down = value) };
}

test('the store reader serves the newest sealed vector from memory, also while the store is away, and resumes after', async () => {
  const sqlite = await SqliteStore.open({ path: ':memory:' });
  const { store: raw, setDown } = switchable(sqlite);
  const store = trackAvailability(raw);
  const reader = storeWeightsReader(() => store);
  const master = await startTestMaster({ weights: reader });
  try {
    await reader.refresh();
    assert.equal(reader.latest(), null);
    assert.equal((await send(master.port, '/v1/weights/latest')).status, 503);

    await store.sealVector(10, 'digest-10', doc(10));
    await store.sealVector(11, 'digest-11', doc(11));
    await reader.refresh();
    assert.deepEqual(reader.status(), { lastSealedEpoch: 11, lastError: null, storeAvailable: true });
    assert.deepEqual(JSON.parse((await send(master.port, '/v1/weights/latest')).body), served(11));
    assert.deepEqual(JSON.parse((await send(master.port, '/v1/weights/10')).body), served(10));

    setDown(true);
    await reader.refresh();
    assert.equal(reader.status().storeAvailable, false);
    assert.equal(store.availability().available, false);
    assert.deepEqual(JSON.parse((await send(master.port, '/v1/weights/latest')).body), served(11), 'latest is served from memory');
    assert.equal((await send(master.port, '/v1/weights/10')).status, 503, 'an older epoch needs the store');

    setDown(false);
    await store.sealVector(12, 'digest-12', doc(12));
    await reader.refresh();
    assert.deepEqual(reader.status(), { lastSealedEpoch: 12, lastError: null, storeAvailable: true });
    assert.deepEqual(JSON.parse((await send(master.port, '/v1/weights/latest')).body), served(12));
  } finally {
    await master.close();
    await sqlite.close();
  }
});
