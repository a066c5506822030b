/** Without PostgreSQL the store fails fast with a typed, password-free error instead of hanging. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { StoreUnavailableError } from '../errors.ts';
import { openStore } from '../open-store.ts';
import { PostgresStore } from '../postgres-store.ts';
import { closedPort, startTcpRelay } from './tcp-relay.ts';

const PASSWORD = 'Sup3r-S3cret-pw';

describe('PostgreSQL unreachable at start', () => {
  it('rejects with StoreUnavailableError when the port refuses connections, without the password', async () => {
    const port = await closedPort();
    const started = Date.now();
    await assert.rejects(
      openStore({ url: `postgres://base:${PASSWORD}@127.0.0.1:${port}/control`, environment: 'production' }),
      (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.match(error.message, new RegExp(`PostgreSQL at postgres://base:\\*\\*\\*@127\\.0\\.0\\.1:${port}/control is unavailable`));
        assert.match(error.message, /ECONNREFUSED/);
        assert.doesNotMatch(error.message, new RegExp(PASSWORD));
        assert.doesNotMatch(String(error.stack), new RegExp(PASSWORD));
        return true;
      },
    );
    assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
  });

  it('gives up after the connection timeout when the server accepts but never answers', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: await closedPort() });
    await relay.blackhole();
    try {
      const started = Date.now();
      await assert.rejects(
        PostgresStore.open({ url: `postgres://base:${PASSWORD}@127.0.0.1:${relay.port}/control`, connectionTimeoutMs: 400 }),
        (error: unknown) => {
          assert.ok(error instanceof StoreUnavailableError, String(error));
          assert.match(error.message, /timeout/i);
          assert.doesNotMatch(error.message, new RegExp(PASSWORD));
          return true;
        },
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 350 && elapsed < 2_000, `took ${elapsed} ms, expected about the 400 ms connection timeout`);
      assert.ok(relay.accepted >= 1, 'the store did reach the (silent) server');
    } finally {
      await relay.close();
    }
  });
});
