/**
 * PostgreSQL going away and coming back, through a TCP relay the test controls between the store and the test
 * bed's PostgreSQL (the real server is never stopped: other tests use it). While it is away every call rejects
 * quickly with StoreUnavailableError; when it is back the same store instance works again, without reopening.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { trackAvailability } from '../availability.ts';
import { StoreUnavailableError } from '../errors.ts';
import { PostgresStore } from '../postgres-store.ts';
import { dropSchema, testbedDatabaseUrl, uniqueSchema } from './postgres-testbed.ts';
import { startTcpRelay, type TcpRelay } from './tcp-relay.ts';

const CONNECTION_TIMEOUT_MS = 800;
const STATEMENT_TIMEOUT_MS = 1_000;
/** The client-side read timeout the store derives from the statement timeout, plus scheduling slack. */
const QUERY_DEADLINE_MS = STATEMENT_TIMEOUT_MS + 2_000 + 1_000;

async function rejectsUnavailable(call: () => Promise<unknown>, withinMs: number, secret: string): Promise<void> {
  const started = Date.now();
  await assert.rejects(call(), (error: unknown) => {
    assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
    assert.ok(!error.message.includes(secret), 'the message carries no password');
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < withinMs, `rejected after ${elapsed} ms, expected under ${withinMs} ms`);
}

/** Retries like a caller would, until the store answers again. */
async function waitUntilBack(store: PostgresStore, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await store.ping();
      return Date.now() - started;
    } catch (error) {
      assert.ok(error instanceof StoreUnavailableError, String(error));
      if (Date.now() - started > withinMs) throw new Error(`the store did not recover within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('PostgreSQL unavailable, then back', () => {
  const realUrl = testbedDatabaseUrl();
  const parsed = new URL(realUrl);
  const password = decodeURIComponent(parsed.password);
  const schema = uniqueSchema();
  let relay: TcpRelay;
  let store: PostgresStore;

  before(async () => {
    relay = await startTcpRelay({ host: parsed.hostname, port: Number(parsed.port || 5432) });
    const viaRelay = new URL(realUrl);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    store = await PostgresStore.open({
      url: viaRelay.toString(),
      schema,
      connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    });
  });

  after(async () => {
    await store?.close();
    await relay?.close();
    await dropSchema(realUrl, schema);
  });

  it('rejects quickly while connections are refused, and recovers by itself', async () => {
    const sealed = await store.sealVector(1, 'a'.repeat(64), { epoch: 1 });
    assert.equal(sealed.created, true);

    const tracked = trackAvailability(store);
    await relay.down();
    await rejectsUnavailable(() => tracked.ping(), CONNECTION_TIMEOUT_MS + 1_000, password);
    const during = tracked.availability();
    assert.equal(during.available, false);
    assert.notEqual(during.unavailableSince, null);
    assert.match(during.lastError ?? '', /ping: PostgreSQL at postgres:\/\/.*:\*\*\*@127\.0\.0\.1:\d+\/.* is unavailable/);
    assert.ok(!(during.lastError ?? '').includes(password));
    await rejectsUnavailable(() => store.sealVector(2, 'b'.repeat(64), { epoch: 2 }), CONNECTION_TIMEOUT_MS + 1_000, password);
    await rejectsUnavailable(() => store.latestVector(), CONNECTION_TIMEOUT_MS + 1_000, password);
    await rejectsUnavailable(
      () => store.recordApply({ revision: null, planHash: 'h', startedAt: '2026-11-22T00:00:00Z', finishedAt: '2026-11-22T00:00:01Z', outcome: 'succeeded', objects: [], durationMs: 1000 }),
      CONNECTION_TIMEOUT_MS + 1_000,
      password,
    );

    await relay.up();
    await waitUntilBack(store, 5_000);
    assert.equal((await tracked.sealVector(2, 'b'.repeat(64), { epoch: 2 })).created, true, 'sealing resumes');
    assert.equal(tracked.availability().available, true);
    assert.equal(tracked.availability().outages, 1);
    assert.equal((await store.latestVector())?.epoch, 2);
    assert.equal((await store.listApplies(10)).length, 0, 'the apply attempted while down was not half-written');
  });

  it('gives up after the connection timeout when the server accepts but never answers', async () => {
    await relay.blackhole();
    await rejectsUnavailable(() => store.ping(), CONNECTION_TIMEOUT_MS + 1_000, password);
    await rejectsUnavailable(() => store.vectorAt(1), CONNECTION_TIMEOUT_MS + 1_000, password);
    await relay.up();
    await waitUntilBack(store, 5_000);
    assert.equal((await store.vectorAt(1))?.digest, 'a'.repeat(64));
  });

  it('does not hang on an open connection that stops answering', async () => {
    await store.ping(); // at least one pooled, idle, open connection
    await relay.stall();
    await rejectsUnavailable(() => store.latestVector(), QUERY_DEADLINE_MS, password);
    await relay.up();
    await waitUntilBack(store, 5_000);
    assert.equal((await store.latestVector())?.epoch, 2);
  });
});
