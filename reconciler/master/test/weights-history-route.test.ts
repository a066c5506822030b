import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WeightsHistoryDocument } from '../status/history.ts';
import type { WeightsVector } from '../weights-reader.ts';
import { send, startTestMaster } from './support.ts';

// DESIRED_YAML's burn uid is 3.
function vector(epoch: number, outcomes: Array<'fresh' | 'carried' | 'failed'>): WeightsVector {
  return {
    epoch,
    uids: [3, 4, 5],
    weights: [0.25, 0.5, 0.25],
    digest: `digest-${epoch}`,
    computed_at: `2026-01-01T00:00:${String(epoch).padStart(2, '0')}.000Z`,
    expires_at: '2026-01-01T00:12:00.000Z',
    source_challenges: outcomes.map((outcome, i) => ({ slug: `c${i}`, outcome, carried_from_epoch: outcome === 'carried' ? epoch - 1 : null, reason: null, hotkey_count: 1 })),
  } as unknown as WeightsVector;
}

/** A store holding epochs 1, 3, 5, 7, 9, listing them as `listVectors` does; records every call. */
function fakeStore() {
  const sealed = [1, 3, 5, 7, 9].map((e) => vector(e, e === 5 ? ['fresh', 'carried', 'failed'] : ['fresh', 'fresh']));
  const calls: Array<[number, number | undefined]> = [];
  return {
    calls,
    list: async (limit: number, before?: number): Promise<WeightsVector[]> => {
      calls.push([limit, before]);
      return sealed.filter((v) => before === undefined || v.epoch < before).sort((a, b) => b.epoch - a.epoch).slice(0, limit);
    },
  };
}

test('/v1/weights pages newest first: default limit 48, limit and before page on, next_before is null on the last page', async () => {
  const store = fakeStore();
  const master = await startTestMaster({ weightsHistory: store.list });
  try {
    const all = await send(master.port, '/v1/weights');
    assert.equal(all.status, 200);
    assert.equal(all.headers['cache-control'], 'no-store');
    const doc = JSON.parse(all.body) as WeightsHistoryDocument;
    assert.deepEqual(store.calls[0], [48, undefined]);
    assert.equal(doc.burn_uid, 3);
    assert.deepEqual(doc.epochs.map((e) => e.epoch), [9, 7, 5, 3, 1]);
    assert.equal(doc.next_before, null);
    const five = doc.epochs.find((e) => e.epoch === 5)!;
    assert.deepEqual(five, {
      epoch: 5,
      digest: 'digest-5',
      computed_at: '2026-01-01T00:00:05.000Z',
      expires_at: '2026-01-01T00:12:00.000Z',
      burn_share: 0.25,
      sources: { fresh: 1, carried: 1, failed: 1 },
    });

    const first = JSON.parse((await send(master.port, '/v1/weights?limit=2')).body) as WeightsHistoryDocument;
    assert.deepEqual(first.epochs.map((e) => e.epoch), [9, 7]);
    assert.equal(first.next_before, 7);
    const second = JSON.parse((await send(master.port, `/v1/weights?limit=2&before=${first.next_before}`)).body) as WeightsHistoryDocument;
    assert.deepEqual(store.calls.at(-1), [2, 7]);
    assert.deepEqual(second.epochs.map((e) => e.epoch), [5, 3]);
    const last = JSON.parse((await send(master.port, `/v1/weights?limit=2&before=${second.next_before}`)).body) as WeightsHistoryDocument;
    assert.deepEqual(last.epochs.map((e) => e.epoch), [1]);
    assert.equal(last.next_before, null);
    const none = JSON.parse((await send(master.port, '/v1/weights?before=0')).body) as WeightsHistoryDocument;
    assert.deepEqual(none, { burn_uid: 3, epochs: [], next_before: null });
  } finally {
    await master.close();
  }
});

test('/v1/weights: a bad limit or before is 400 with what was expected, and the store is not asked', async () => {
  const store = fakeStore();
  const master = await startTestMaster({ weightsHistory: store.list });
  try {
    for (const bad of ['0', '501', 'abc', '-1', '1.5', '07', '+5', '1e2', '']) {
      const response = await send(master.port, `/v1/weights?limit=${bad}`);
      assert.equal(response.status, 400, `limit=${bad}`);
      assert.deepEqual(JSON.parse(response.body), { detail: 'limit must be an integer from 1 to 500' });
    }
    for (const bad of ['-1', 'x', '3.0', '99999999999999999999', '']) {
      const response = await send(master.port, `/v1/weights?before=${bad}`);
      assert.equal(response.status, 400, `before=${bad}`);
      assert.deepEqual(JSON.parse(response.body), { detail: 'before must be a non-negative integer epoch' });
    }
    assert.deepEqual(store.calls, []);
    assert.equal((await send(master.port, '/v1/weights?limit=500')).status, 200);
    assert.equal((await send(master.port, '/v1/weights', { method: 'POST' })).status, 405);
  } finally {
    await master.close();
  }
});

test('/v1/weights is 503 with Retry-After when the master has no store or the store does not answer', async () => {
  const without = await startTestMaster();
  const down = await startTestMaster({ weightsHistory: async () => Promise.reject(new Error('connect ECONNREFUSED postgres://u:pw@db')) });
  try {
    for (const master of [without, down]) {
      const response = await send(master.port, '/v1/weights?limit=3');
      assert.equal(response.status, 503);
      assert.equal(response.headers['retry-after'], '12');
      assert.deepEqual(JSON.parse(response.body), { detail: 'Weights store unavailable' });
    }
    // The page still renders without its history, and says why.
    const page = await send(down.port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /epoch history is unavailable/);
    assert.ok(!page.body.includes('ECONNREFUSED') && !page.body.includes('pw@'));
  } finally {
    await without.close();
    await down.close();
  }
});
