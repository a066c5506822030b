import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withProvenance } from '../../weights/provenance.ts';
import type { WeightsReader, WeightsVector } from '../weights-reader.ts';
import { send, startTestMaster } from './support.ts';

function vector(epoch: number): WeightsVector {
  return { epoch, uids: [0, 4], weights: [0.25, 0.75], digest: `d${epoch}`, signature: '0xsig', signer: { public_key: '0xpk', ss58: '5x' } } as unknown as WeightsVector;
}

class FakeReader implements WeightsReader {
  latestCalls = 0;
  sealed = new Map<number, WeightsVector>();
  failing = false;
  latest(): WeightsVector | null {
    this.latestCalls += 1;
    const epochs = [...this.sealed.keys()].sort((a, b) => b - a);
    return epochs.length === 0 ? null : this.sealed.get(epochs[0]!)!;
  }
  async atEpoch(epoch: number): Promise<WeightsVector | null> {
    if (this.failing) throw new Error('store down');
    return this.sealed.get(epoch) ?? null;
  }
  async inputsAt(): Promise<unknown | null> {
    return null;
  }
  status() {
    return { lastSealedEpoch: null, lastError: null, storeAvailable: !this.failing };
  }
}

test('before the first seal /v1/weights/latest is 503 with Retry-After; after it, the sealed vector with its provenance fields', async () => {
  const reader = new FakeReader();
  const master = await startTestMaster({ weights: reader });
  try {
    const early = await send(master.port, '/v1/weights/latest');
    assert.equal(early.status, 503);
    assert.equal(early.headers['retry-after'], '12');
    assert.deepEqual(JSON.parse(early.body), { detail: 'No weights vector sealed yet' });

    reader.sealed.set(41, vector(41));
    reader.sealed.set(42, vector(42));
    const response = await send(master.port, '/v1/weights/latest');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), withProvenance(vector(42)));
    assert.equal(response.headers['cache-control'], 'no-store');
  } finally {
    await master.close();
  }
});

test('/v1/weights/{epoch}: 200 for a sealed epoch, 404 for an unknown one, 400 for anything but a non-negative integer', async () => {
  const reader = new FakeReader();
  reader.sealed.set(7, vector(7));
  reader.sealed.set(0, vector(0));
  const master = await startTestMaster({ weights: reader });
  try {
    assert.deepEqual(JSON.parse((await send(master.port, '/v1/weights/7')).body), withProvenance(vector(7)));
    assert.equal((await send(master.port, '/v1/weights/0')).status, 200);
    const unknown = await send(master.port, '/v1/weights/8');
    assert.equal(unknown.status, 404);
    assert.deepEqual(JSON.parse(unknown.body), { detail: 'No weights vector sealed for this epoch' });
    for (const bad of ['abc', '1.5', '-1', '07', '1e3', '%37', '+7', '99999999999999999999', 'latest2']) {
      const response = await send(master.port, `/v1/weights/${bad}`);
      assert.equal(response.status, 400, bad);
      assert.deepEqual(JSON.parse(response.body), { detail: 'Epoch must be a non-negative integer' });
    }
  } finally {
    await master.close();
  }
});

test('a store outage on an epoch read is 503 with Retry-After, while latest keeps being served from memory', async () => {
  const reader = new FakeReader();
  reader.sealed.set(5, vector(5));
  reader.failing = true;
  const master = await startTestMaster({ weights: reader });
  try {
    const byEpoch = await send(master.port, '/v1/weights/4');
    assert.equal(byEpoch.status, 503);
    assert.equal(byEpoch.headers['retry-after'], '12');
    assert.equal((await send(master.port, '/v1/weights/latest')).status, 200);
    assert.equal((await send(master.port, '/v1/weights/latest', { method: 'POST' })).status, 405);
  } finally {
    await master.close();
  }
});
