/**
 * The store conformance suite: every behaviour both backends must share, run once per backend
 * (`store-conformance-sqlite.test.ts`, `store-conformance-postgres.itest.ts`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { StoreConflictError, StoreError, StoreInputError, VectorSealConflictError } from '../errors.ts';
import { LATEST_SCHEMA_VERSION } from '../migrations.ts';
import { snapshotDigest } from '../../weights/snapshot-digest.ts';
import type { ApplyRecordInput, ControlPlaneStore } from '../types.ts';

export interface StoreUnderTest {
  store: ControlPlaneStore;
  /** Another store instance on the same database (as a restarted process would open it). */
  reopen(): Promise<ControlPlaneStore>;
  /** Closes every instance and removes the database. */
  dispose(): Promise<void>;
}

/** Each call gives a fresh, empty, migrated store. */
export type MakeStore = () => Promise<StoreUnderTest>;

const HOTKEY_A = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const HOTKEY_B = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const HOTKEY_C = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';

function applyRecord(overrides: Partial<ApplyRecordInput> = {}): ApplyRecordInput {
  return {
    revision: '3f1c2a9e0b7d',
    planHash: 'plan-hash-1',
    startedAt: '2026-11-22T01:00:00.000Z',
    finishedAt: '2026-11-22T01:00:05.250Z',
    outcome: 'succeeded',
    durationMs: 5250,
    objects: [
      { kind: 'network', name: 'base-challenges', action: 'create', outcome: 'succeeded', durationMs: 12.5, error: null, detail: null },
      { kind: 'service', name: 'challenge-alpha', action: 'update', outcome: 'failed', durationMs: 4000, error: 'rolled back', detail: '0/1 tasks running' },
      { kind: 'node', name: 'worker-cpu-1', action: 'update', outcome: 'skipped', durationMs: 0, error: null, detail: null },
    ],
    ...overrides,
  };
}

export function defineStoreConformance(name: string, makeStore: MakeStore): void {
  /** Runs `body` against a fresh store and always disposes it. */
  const withStore = (body: (t: StoreUnderTest) => Promise<void>) => async () => {
    const t = await makeStore();
    try {
      await body(t);
    } finally {
      await t.dispose();
    }
  };

  describe(`control-plane store conformance: ${name}`, () => {
    describe('migrations', () => {
      it('applies every migration once at open, and not again when opened a second time', withStore(async (t) => {
        const expected = Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1);
        assert.deepEqual(await t.store.appliedMigrations(), expected);
        const second = await t.reopen();
        assert.deepEqual(await second.appliedMigrations(), expected);
        await t.store.putState('k', 1);
        assert.equal(await second.getState('k'), 1, 'the reopened store sees the same data');
      }));

      it('survives several instances opening the same database at once', withStore(async (t) => {
        const opened = await Promise.all([t.reopen(), t.reopen(), t.reopen(), t.reopen()]);
        for (const store of opened) {
          assert.deepEqual(await store.appliedMigrations(), Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
        }
      }));
    });

    describe('apply records', () => {
      it('returns null and an empty list before the first apply', withStore(async ({ store }) => {
        assert.equal(await store.latestApply(), null);
        assert.deepEqual(await store.listApplies(10), []);
      }));

      it('round-trips a record with its per-object outcomes in order', withStore(async ({ store }) => {
        const input = applyRecord({ id: 'apply-1' });
        const recorded = await store.recordApply(input);
        const { id: _id, ...rest } = input;
        assert.deepEqual(recorded, { id: 'apply-1', ...rest });
        assert.deepEqual(await store.latestApply(), recorded);
        const [listed] = await store.listApplies(5);
        assert.deepEqual(listed, recorded);
      }));

      it('records an object without detail as detail null', withStore(async ({ store }) => {
        await store.recordApply(
          applyRecord({ objects: [{ kind: 'secret', name: 'challenge-alpha-token-0123456789ab', action: 'create', outcome: 'succeeded', durationMs: 3, error: null }] }),
        );
        assert.deepEqual((await store.latestApply())?.objects, [
          { kind: 'secret', name: 'challenge-alpha-token-0123456789ab', action: 'create', outcome: 'succeeded', durationMs: 3, error: null, detail: null },
        ]);
      }));

      it('generates an id when none is given and keeps a null revision', withStore(async ({ store }) => {
        const recorded = await store.recordApply(applyRecord({ revision: null, objects: [] }));
        assert.match(recorded.id, /^[0-9a-f-]{36}$/);
        const latest = await store.latestApply();
        assert.equal(latest?.id, recorded.id);
        assert.equal(latest?.revision, null);
        assert.deepEqual(latest?.objects, []);
      }));

      it('lists newest first by finish time and honours the limit', withStore(async ({ store }) => {
        await store.recordApply(applyRecord({ id: 'middle', finishedAt: '2026-11-22T02:00:00.000Z' }));
        await store.recordApply(applyRecord({ id: 'oldest', finishedAt: '2026-11-22T01:00:00.000Z' }));
        await store.recordApply(applyRecord({ id: 'newest', finishedAt: '2026-11-22T03:00:00.000Z', outcome: 'partial' }));
        await store.recordApply(applyRecord({ id: 'tie-later', finishedAt: '2026-11-22T02:00:00.000Z', outcome: 'failed' }));
        assert.deepEqual((await store.listApplies(10)).map((a) => a.id), ['newest', 'tie-later', 'middle', 'oldest']);
        assert.deepEqual((await store.listApplies(2)).map((a) => a.id), ['newest', 'tie-later']);
        const latest = await store.latestApply();
        assert.equal(latest?.id, 'newest');
        assert.equal(latest?.outcome, 'partial');
      }));

      it('refuses to record the same apply id twice and keeps the first', withStore(async ({ store }) => {
        await store.recordApply(applyRecord({ id: 'once', planHash: 'first' }));
        await assert.rejects(store.recordApply(applyRecord({ id: 'once', planHash: 'second' })), (error: unknown) => {
          assert.ok(error instanceof StoreConflictError, String(error));
          assert.match(error.message, /apply once is already recorded/);
          return true;
        });
        const all = await store.listApplies(10);
        assert.equal(all.length, 1);
        assert.equal(all[0]?.planHash, 'first');
        assert.equal(all[0]?.objects.length, 3, 'no objects were duplicated by the refused record');
      }));

      it('refuses invalid records with the field named', withStore(async ({ store }) => {
        await assert.rejects(store.recordApply(applyRecord({ outcome: 'done' as never })), (error: unknown) =>
          error instanceof StoreInputError && /outcome: expected one of succeeded, failed, partial/.test(error.message),
        );
        await assert.rejects(store.recordApply(applyRecord({ startedAt: 'yesterday' })), (error: unknown) =>
          error instanceof StoreInputError && /startedAt: expected an ISO-8601 timestamp/.test(error.message),
        );
        await assert.rejects(store.listApplies(0), StoreInputError);
        assert.deepEqual(await store.listApplies(10), []);
      }));
    });

    describe('values round-trip identically', () => {
      it('keeps doubles, big epochs and timestamps exactly', withStore(async ({ store }) => {
        const tricky = [0.1 + 0.2, 1e-17, 5e-324, 1.7976931348623157e308, 123456789.123456789, 1 / 3, 2 ** 53 + 2];
        const weights: Record<string, number> = {};
        tricky.forEach((value, i) => (weights[`hotkey-${i}`] = value));
        const epoch = Number.MAX_SAFE_INTEGER;
        await store.putSnapshot({ slug: 'numbers', epoch, fetchedAt: '2026-11-22T01:02:03.456Z', weights });
        const snapshot = await store.getSnapshot('numbers', epoch);
        assert.deepEqual(snapshot?.weights, weights);
        assert.equal(snapshot?.epoch, epoch);
        assert.equal(snapshot?.fetchedAt, '2026-11-22T01:02:03.456Z');

        const recorded = await store.recordApply(
          applyRecord({
            durationMs: 0.1 + 0.2,
            objects: tricky.map((durationMs, i) => ({ kind: 'service', name: `s${i}`, action: 'update', outcome: 'succeeded', durationMs, error: null, detail: null })),
          }),
        );
        const read = await store.latestApply();
        assert.equal(read?.durationMs, 0.30000000000000004);
        assert.deepEqual(read?.objects.map((o) => o.durationMs), tricky);
        assert.deepEqual(read, recorded);

        const doc = { weights: [0.1 + 0.2, 1e-17], uids: [0, 65535], epoch, nested: { x: -1.5e-300 } };
        await store.sealVector(epoch, 'd'.repeat(64), doc);
        assert.deepEqual((await store.vectorAt(epoch))?.document, doc);
        assert.equal((await store.latestVector())?.epoch, epoch);
      }));

      it('normalizes timestamps to UTC ISO with milliseconds', withStore(async ({ store }) => {
        await store.putSnapshot({ slug: 'zones', epoch: 1, fetchedAt: '2026-11-22T03:04:05+02:00', weights: {} });
        assert.equal((await store.getSnapshot('zones', 1))?.fetchedAt, '2026-11-22T01:04:05.000Z');
        await store.recordApply(applyRecord({ startedAt: '2026-11-22T00:00:00Z', finishedAt: '2026-11-22T00:00:00.5Z' }));
        const latest = await store.latestApply();
        assert.equal(latest?.startedAt, '2026-11-22T00:00:00.000Z');
        assert.equal(latest?.finishedAt, '2026-11-22T00:00:00.500Z');
        await assert.rejects(
          store.putSnapshot({ slug: 'zones', epoch: 2, fetchedAt: '2026-11-22T03:04:05', weights: {} }),
          (error: unknown) => error instanceof StoreInputError && /fetchedAt: .*with a zone/.test(error.message),
        );
      }));

      it('refuses epochs that are not non-negative safe integers', withStore(async ({ store }) => {
        for (const epoch of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
          await assert.rejects(store.vectorAt(epoch), StoreInputError, `epoch ${epoch}`);
          await assert.rejects(store.putSnapshot({ slug: 'a1', epoch, fetchedAt: '2026-11-22T00:00:00Z', weights: {} }), StoreInputError);
        }
      }));
    });

    describe('weight snapshots', () => {
      const fetchedAt = '2026-11-22T01:00:00.000Z';

      it('stores a snapshot with its digest and hotkey count, keeping the hotkeys in received order', withStore(async ({ store }) => {
        const weights = { [HOTKEY_C]: 3, [HOTKEY_A]: 1, [HOTKEY_B]: 0.5 };
        const result = await store.putSnapshot({ slug: 'alpha', epoch: 100, fetchedAt, weights });
        assert.equal(result.status, 'inserted');
        assert.equal(result.snapshot.digest, snapshotDigest(weights));
        assert.match(result.snapshot.digest, /^[0-9a-f]{64}$/);
        assert.equal(result.snapshot.hotkeyCount, 3);
        const read = await store.getSnapshot('alpha', 100);
        assert.deepEqual(read, result.snapshot);
        assert.deepEqual(Object.keys(read?.weights ?? {}), [HOTKEY_C, HOTKEY_A, HOTKEY_B]);
      }));

      it('is idempotent per (slug, epoch): the same body again is a no-op', withStore(async ({ store }) => {
        const first = await store.putSnapshot({ slug: 'alpha', epoch: 7, fetchedAt, weights: { [HOTKEY_A]: 1, [HOTKEY_B]: 2 } });
        // Same entries in another order, fetched later: the same canonical body.
        const again = await store.putSnapshot({ slug: 'alpha', epoch: 7, fetchedAt: '2026-11-22T01:00:09.000Z', weights: { [HOTKEY_B]: 2, [HOTKEY_A]: 1 } });
        assert.equal(again.status, 'unchanged');
        assert.deepEqual(again.snapshot, first.snapshot);
      }));

      it('keeps the first body and reports a conflict when a different one arrives for the same epoch', withStore(async ({ store }) => {
        const first = await store.putSnapshot({ slug: 'alpha', epoch: 7, fetchedAt, weights: { [HOTKEY_A]: 1 } });
        const second = await store.putSnapshot({ slug: 'alpha', epoch: 7, fetchedAt, weights: { [HOTKEY_A]: 2 } });
        assert.equal(second.status, 'conflict');
        assert.deepEqual(second.snapshot, first.snapshot);
        assert.equal(second.offeredDigest, snapshotDigest({ [HOTKEY_A]: 2 }));
        assert.notEqual(second.offeredDigest, first.snapshot.digest);
        assert.deepEqual((await store.getSnapshot('alpha', 7))?.weights, { [HOTKEY_A]: 1 });
      }));

      it('stores non-finite numbers as null (JSON has no NaN or Infinity)', withStore(async ({ store }) => {
        const result = await store.putSnapshot({
          slug: 'odd', epoch: 1, fetchedAt, weights: { [HOTKEY_A]: Number.POSITIVE_INFINITY, [HOTKEY_B]: Number.NaN, [HOTKEY_C]: null },
        });
        assert.deepEqual(result.snapshot.weights, { [HOTKEY_A]: null, [HOTKEY_B]: null, [HOTKEY_C]: null });
        assert.deepEqual((await store.getSnapshot('odd', 1))?.weights, result.snapshot.weights);
        await assert.rejects(
          store.putSnapshot({ slug: 'odd', epoch: 2, fetchedAt, weights: { [HOTKEY_A]: '1' as unknown as number } }),
          (error: unknown) => error instanceof StoreInputError && /expected a number or null, found string/.test(error.message),
        );
      }));

      it('finds the latest snapshot strictly before an epoch, and at or before one', withStore(async ({ store }) => {
        for (const epoch of [10, 12, 15]) {
          await store.putSnapshot({ slug: 'alpha', epoch, fetchedAt, weights: { [HOTKEY_A]: epoch } });
        }
        await store.putSnapshot({ slug: 'beta', epoch: 14, fetchedAt, weights: { [HOTKEY_B]: 1 } });
        assert.equal((await store.latestSnapshotBefore('alpha', 15))?.epoch, 12);
        assert.equal((await store.latestSnapshotBefore('alpha', 16))?.epoch, 15);
        assert.equal(await store.latestSnapshotBefore('alpha', 10), null);
        assert.equal((await store.latestGoodSnapshot('alpha', 15))?.epoch, 15);
        assert.equal((await store.latestGoodSnapshot('alpha', 14))?.epoch, 12);
        assert.equal(await store.latestGoodSnapshot('alpha', 9), null);
        assert.deepEqual((await store.latestGoodSnapshot('alpha', 14))?.weights, { [HOTKEY_A]: 12 });
        assert.equal((await store.latestGoodSnapshot('beta', 100))?.epoch, 14, 'slugs do not mix');
        assert.equal(await store.latestGoodSnapshot('gamma', 100), null);
      }));

      it('prunes snapshots of every challenge below an epoch and keeps the rest', withStore(async ({ store }) => {
        for (const [slug, epoch] of [['alpha', 1], ['alpha', 2], ['alpha', 3], ['beta', 1], ['beta', 5]] as const) {
          await store.putSnapshot({ slug, epoch, fetchedAt, weights: { [HOTKEY_A]: epoch } });
        }
        assert.equal(await store.pruneSnapshotsBefore(3), 3);
        assert.equal(await store.getSnapshot('alpha', 2), null);
        assert.equal(await store.getSnapshot('beta', 1), null);
        assert.equal((await store.latestGoodSnapshot('alpha', 100))?.epoch, 3);
        assert.equal((await store.latestGoodSnapshot('beta', 100))?.epoch, 5);
        assert.equal(await store.pruneSnapshotsBefore(3), 0);
      }));

      it('refuses slugs that a challenge cannot have', withStore(async ({ store }) => {
        for (const slug of ['', 'Alpha', 'al_pha', '-alpha', 'alpha-', 'ünïcode', 'a'.repeat(49)]) {
          await assert.rejects(store.putSnapshot({ slug, epoch: 1, fetchedAt, weights: {} }), StoreInputError, slug);
        }
      }));

      it('settles concurrent puts of different bodies for one epoch on exactly one', withStore(async ({ store }) => {
        const results = await Promise.all(
          [1, 2, 3, 4, 5].map((value) => store.putSnapshot({ slug: 'race', epoch: 3, fetchedAt, weights: { [HOTKEY_A]: value } })),
        );
        assert.equal(results.filter((r) => r.status === 'inserted').length, 1);
        assert.equal(results.filter((r) => r.status === 'conflict').length, 4);
        const kept = await store.getSnapshot('race', 3);
        for (const r of results) assert.deepEqual(r.snapshot, kept);
      }));
    });

    describe('sealed vectors', () => {
      const digestOf = (c: string) => c.repeat(64);

      it('has no vector before the first seal', withStore(async ({ store }) => {
        assert.equal(await store.latestVector(), null);
        assert.equal(await store.vectorAt(1), null);
      }));

      it('seals once; the same epoch with the same digest is a no-op returning the stored vector', withStore(async ({ store }) => {
        const first = await store.sealVector(42, digestOf('a'), { uids: [0, 1], weights: [0.25, 0.75] });
        assert.equal(first.created, true);
        assert.equal(first.vector.epoch, 42);
        assert.equal(first.vector.digest, digestOf('a'));
        assert.match(first.vector.sealedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        const again = await store.sealVector(42, digestOf('a'), { uids: [0, 1], weights: [0.25, 0.75] });
        assert.equal(again.created, false);
        assert.deepEqual(again.vector, first.vector);
        assert.deepEqual(await store.vectorAt(42), first.vector);
      }));

      it('refuses to seal a sealed epoch again with a different digest and keeps the original', withStore(async ({ store }) => {
        const first = await store.sealVector(42, digestOf('a'), { v: 1 });
        await assert.rejects(store.sealVector(42, digestOf('b'), { v: 2 }), (error: unknown) => {
          assert.ok(error instanceof VectorSealConflictError, String(error));
          assert.equal(error.epoch, 42);
          assert.equal(error.existingDigest, digestOf('a'));
          assert.equal(error.offeredDigest, digestOf('b'));
          assert.match(error.message, /epoch 42 is already sealed with digest a{64}; refusing to seal it again/);
          return true;
        });
        assert.deepEqual(await store.vectorAt(42), first.vector);
      }));

      it('refuses a different digest for a sealed epoch also after a restart', withStore(async (t) => {
        await t.store.sealVector(9, digestOf('a'), { v: 1 });
        const restarted = await t.reopen();
        await assert.rejects(restarted.sealVector(9, digestOf('b'), { v: 2 }), VectorSealConflictError);
        assert.equal((await restarted.sealVector(9, digestOf('a'), { v: 1 })).created, false);
        assert.deepEqual((await restarted.vectorAt(9))?.document, { v: 1 });
      }));

      it('finds the previous sealed epoch below a given one, across a gap', withStore(async ({ store }) => {
        await store.sealVector(5, digestOf('5'), { e: 5 });
        await store.sealVector(8, digestOf('8'), { e: 8 });
        assert.equal(await store.vectorBefore(5), null);
        assert.equal((await store.vectorBefore(8))?.epoch, 5);
        assert.equal((await store.vectorBefore(6))?.epoch, 5);
        assert.equal((await store.vectorBefore(100))?.epoch, 8);
      }));

      it('stores epoch inputs once, keeps the first document, survives a restart and prunes old epochs', withStore(async (t) => {
        const doc = { epoch: 3, challenge_results: [{ slug: 'a', weights: { [HOTKEY_B]: 2, [HOTKEY_A]: 0.30000000000000004 } }] };
        assert.equal(await t.store.epochInputsAt(3), null);
        assert.deepEqual(await t.store.putEpochInputs(3, doc), { created: true });
        assert.deepEqual(await t.store.putEpochInputs(3, { other: true }), { created: false });
        const restarted = await t.reopen();
        const read = await restarted.epochInputsAt<typeof doc>(3);
        assert.equal(JSON.stringify(read), JSON.stringify(doc), 'key order and number spelling survive');
        await restarted.putEpochInputs(5, { epoch: 5 });
        assert.equal(await restarted.pruneEpochInputsBefore(4), 1);
        assert.equal(await restarted.epochInputsAt(3), null);
        assert.deepEqual(await restarted.epochInputsAt(5), { epoch: 5 });
      }));

      it('serves the highest epoch as the latest, whatever the sealing order', withStore(async ({ store }) => {
        await store.sealVector(5, digestOf('5'), { e: 5 });
        await store.sealVector(7, digestOf('7'), { e: 7 });
        await store.sealVector(6, digestOf('6'), { e: 6 });
        const latest = await store.latestVector<{ e: number }>();
        assert.equal(latest?.epoch, 7);
        assert.deepEqual(latest?.document, { e: 7 });
        assert.deepEqual((await store.vectorAt(6))?.document, { e: 6 });
        assert.equal(await store.vectorAt(8), null);
      }));

      it('lists sealed vectors newest first, at most limit, and pages with before', withStore(async ({ store }) => {
        assert.deepEqual(await store.listVectors(10), []);
        for (const e of [3, 9, 5, 7, 1]) await store.sealVector(e, digestOf(String(e)), { e });
        assert.deepEqual((await store.listVectors(10)).map((v) => v.epoch), [9, 7, 5, 3, 1]);
        assert.deepEqual((await store.listVectors(2)).map((v) => v.epoch), [9, 7]);
        const page = await store.listVectors<{ e: number }>(2, 7);
        assert.deepEqual(page.map((v) => [v.epoch, v.document.e, v.digest]), [[5, 5, digestOf('5')], [3, 3, digestOf('3')]]);
        assert.deepEqual(page[0], await store.vectorAt(5));
        assert.deepEqual(await store.listVectors(5, 1), []);
        await assert.rejects(store.listVectors(0), StoreInputError);
        await assert.rejects(store.listVectors(5, -1), StoreInputError);
      }));

      it('keeps the document byte-for-byte (key order included)', withStore(async ({ store }) => {
        const doc = { z: 1, a: { y: [3, 2, 1], b: null }, m: 'text "quoted" \u0000 \u2028' };
        await store.sealVector(1, digestOf('e'), doc);
        const read = await store.vectorAt(1);
        assert.equal(JSON.stringify(read?.document), JSON.stringify(doc));
      }));

      it('lets exactly one of several concurrent seals of one epoch win', withStore(async ({ store }) => {
        const attempts = await Promise.allSettled(['1', '2', '3', '4'].map((c) => store.sealVector(11, digestOf(c), { c })));
        const won = attempts.filter((a) => a.status === 'fulfilled');
        assert.equal(won.length, 1);
        for (const lost of attempts.filter((a) => a.status === 'rejected')) {
          assert.ok((lost as PromiseRejectedResult).reason instanceof VectorSealConflictError);
        }
        const stored = await store.vectorAt(11);
        assert.deepEqual(stored, (won[0] as PromiseFulfilledResult<{ vector: unknown }>).value.vector);
      }));
    });

    describe('upload nonces', () => {
      const T0 = '2026-12-04T12:00:00.000Z';
      const T_LIVE = '2026-12-04T12:05:00.000Z';
      const T_EXPIRY = '2026-12-04T12:10:00.000Z';
      const T_AFTER = '2026-12-04T12:10:00.001Z';

      it('claims a nonce once; the same (hotkey, nonce) is refused until it expires, then claimable again', withStore(async ({ store }) => {
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'n-1', T_EXPIRY, T0), true);
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'n-1', '2026-12-04T12:15:00.000Z', T_LIVE), false, 'a replay');
        assert.equal(await store.claimUploadNonce(HOTKEY_B, 'n-1', T_EXPIRY, T_LIVE), true, 'nonces are per hotkey');
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'n-2', T_EXPIRY, T_LIVE), true);
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'n-1', '2026-12-04T12:20:00.000Z', T_EXPIRY), true, 'expired at exactly expires_at');
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'n-1', '2026-12-04T12:25:00.000Z', T_AFTER), false, 'the renewed record lives on');
      }));

      it('a replay is refused by another store instance on the same database (a restarted master)', withStore(async (t) => {
        assert.equal(await t.store.claimUploadNonce(HOTKEY_A, 'restart', T_EXPIRY, T0), true);
        const reopened = await t.reopen();
        assert.equal(await reopened.claimUploadNonce(HOTKEY_A, 'restart', T_EXPIRY, T_LIVE), false);
      }));

      it('lets exactly one of several concurrent claims of one nonce win', withStore(async ({ store }) => {
        const claims = await Promise.all([1, 2, 3, 4, 5].map(() => store.claimUploadNonce(HOTKEY_C, 'race', T_EXPIRY, T0)));
        assert.equal(claims.filter(Boolean).length, 1);
      }));

      it('prunes only the expired records', withStore(async ({ store }) => {
        await store.claimUploadNonce(HOTKEY_A, 'old', T_LIVE, T0);
        await store.claimUploadNonce(HOTKEY_A, 'new', T_EXPIRY, T0);
        assert.equal(await store.pruneUploadNonces(T_LIVE), 1);
        assert.equal(await store.pruneUploadNonces(T_LIVE), 0);
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'new', T_EXPIRY, T_LIVE), false, 'the live one was kept');
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'old', T_EXPIRY, T_LIVE), true);
      }));

      it('refuses a bad hotkey, nonce or timestamp and records nothing', withStore(async ({ store }) => {
        await assert.rejects(store.claimUploadNonce('', 'n', T_EXPIRY, T0), StoreInputError);
        await assert.rejects(store.claimUploadNonce(HOTKEY_A, 'has space', T_EXPIRY, T0), StoreInputError);
        await assert.rejects(store.claimUploadNonce(HOTKEY_A, 'x'.repeat(129), T_EXPIRY, T0), StoreInputError);
        await assert.rejects(store.claimUploadNonce(HOTKEY_A, 'n', 'tomorrow', T0), StoreInputError);
        await assert.rejects(store.claimUploadNonce(HOTKEY_A, 'n', T_EXPIRY, '2026-12-04 12:00'), StoreInputError);
        assert.equal(await store.claimUploadNonce(HOTKEY_A, 'n', T_EXPIRY, T0), true, 'nothing was recorded by the refused calls');
      }));
    });

    describe('reconciler state', () => {
      it('gets, overwrites and deletes JSON values', withStore(async ({ store }) => {
        assert.equal(await store.getState('last-plan'), null);
        await store.putState('last-plan', { hash: 'h1', changes: [1, 2] });
        assert.deepEqual(await store.getState('last-plan'), { hash: 'h1', changes: [1, 2] });
        await store.putState('last-plan', 'replaced');
        assert.equal(await store.getState('last-plan'), 'replaced');
        await store.deleteState('last-plan');
        assert.equal(await store.getState('last-plan'), null);
        await store.deleteState('never-set');
      }));
    });

    describe('health and lifecycle', () => {
      it('answers ping, then rejects every call once closed', withStore(async ({ store }) => {
        await store.ping();
        await store.close();
        await store.close();
        await assert.rejects(store.ping(), (error: unknown) => error instanceof StoreError && /store is closed/.test(error.message));
        await assert.rejects(store.latestVector(), StoreError);
      }));
    });
  });
}
