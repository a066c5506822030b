/** The executor's ApplyResult maps onto a store record without losing a field. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ApplyResult } from '../../apply/result.ts';
import { applyRecordFromResult } from '../from-apply-result.ts';
import { SqliteStore } from '../sqlite-store.ts';

const result: ApplyResult = {
  revision: 'a1b2c3d',
  plan_hash: 'ph-1',
  started_at: '2026-11-22T01:00:00.000Z',
  finished_at: '2026-11-22T01:00:02.500Z',
  outcome: 'partial',
  objects: [
    { kind: 'network', name: 'base-challenges', action: 'create', outcome: 'succeeded', duration_ms: 40 },
    { kind: 'service', name: 'challenge-alpha', action: 'update', outcome: 'failed', duration_ms: 2400.5, error: 'rolled back by Swarm', detail: '0/1 tasks running' },
  ],
};

describe('apply record from the executor result', () => {
  it('maps fields, derives the total duration and stores it', async () => {
    const input = applyRecordFromResult(result, 'apply-7');
    assert.deepEqual(input, {
      id: 'apply-7',
      revision: 'a1b2c3d',
      planHash: 'ph-1',
      startedAt: '2026-11-22T01:00:00.000Z',
      finishedAt: '2026-11-22T01:00:02.500Z',
      outcome: 'partial',
      durationMs: 2500,
      objects: [
        { kind: 'network', name: 'base-challenges', action: 'create', outcome: 'succeeded', durationMs: 40, error: null, detail: null },
        { kind: 'service', name: 'challenge-alpha', action: 'update', outcome: 'failed', durationMs: 2400.5, error: 'rolled back by Swarm', detail: '0/1 tasks running' },
      ],
    });
    assert.equal('id' in applyRecordFromResult(result), false, 'no id: the store generates one');
    const store = await SqliteStore.open({ path: ':memory:' });
    try {
      await store.recordApply(input);
      assert.deepEqual(await store.latestApply(), input);
    } finally {
      await store.close();
    }
  });
});
