/** The availability wrapper reports outages (for /health and metrics) from the calls callers make anyway. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { trackAvailability, type StoreAvailability } from '../availability.ts';
import { StoreUnavailableError, VectorSealConflictError } from '../errors.ts';
import { SqliteStore } from '../sqlite-store.ts';
import type { ControlPlaneStore } from '../types.ts';

/** A real in-memory store whose calls fail as "unavailable" while `down` is set (fault injection). */
function withSwitch(inner: ControlPlaneStore) {
  const control = { down: false };
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) =>
        control.down
          ? Promise.reject(new StoreUnavailableError(`${String(property)}: PostgreSQL at postgres://u:***@db/x is unavailable (ECONNREFUSED)`))
          : (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    },
  });
  return { store, control };
}

describe('store availability tracking', () => {
  it('marks an outage at the first unavailable call and the recovery at the next call that succeeds', async () => {
    let clock = Date.parse('2026-11-22T01:00:00.000Z');
    const now = () => new Date(clock);
    const { store: switched, control } = withSwitch(await SqliteStore.open({ path: ':memory:' }));
    const store = trackAvailability(switched, now);
    const changes: StoreAvailability[] = [];
    store.onAvailabilityChange((state) => changes.push(state));
    try {
      await store.sealVector(1, 'a'.repeat(64), { e: 1 });
      assert.deepEqual(store.availability(), {
        available: true, unavailableSince: null, lastOkAt: '2026-11-22T01:00:00.000Z', lastError: null, outages: 0,
      });

      control.down = true;
      clock += 1_000;
      await assert.rejects(store.sealVector(2, 'b'.repeat(64), { e: 2 }), StoreUnavailableError);
      clock += 1_000;
      await assert.rejects(store.ping(), StoreUnavailableError);
      const during = store.availability();
      assert.equal(during.available, false);
      assert.equal(during.unavailableSince, '2026-11-22T01:00:01.000Z', 'the outage starts at the first failure');
      assert.equal(during.lastOkAt, '2026-11-22T01:00:00.000Z');
      assert.match(during.lastError ?? '', /ping: .* is unavailable/);
      assert.equal(during.outages, 1);

      control.down = false;
      clock += 1_000;
      assert.equal((await store.sealVector(2, 'b'.repeat(64), { e: 2 })).created, true);
      const after = store.availability();
      assert.equal(after.available, true);
      assert.equal(after.unavailableSince, null);
      assert.equal(after.lastOkAt, '2026-11-22T01:00:03.000Z');
      assert.equal(after.outages, 1);
      assert.deepEqual(changes.map((c) => c.available), [false, true], 'one notification per transition');
    } finally {
      await store.close();
    }
  });

  it('counts a refused call (conflict) as the database answering', async () => {
    const { store: switched, control } = withSwitch(await SqliteStore.open({ path: ':memory:' }));
    const store = trackAvailability(switched);
    try {
      await store.sealVector(1, 'a'.repeat(64), {});
      control.down = true;
      await assert.rejects(store.latestVector(), StoreUnavailableError);
      control.down = false;
      await assert.rejects(store.sealVector(1, 'b'.repeat(64), {}), VectorSealConflictError);
      assert.equal(store.availability().available, true);
      assert.equal(store.backend, 'sqlite');
    } finally {
      await store.close();
    }
  });
});
