/** Production runs on PostgreSQL only; development works with no set-up (SQLite in the state folder). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

import { StoreConfigError } from '../errors.ts';
import { DEFAULT_SQLITE_FILE, openStore, resolveStoreTarget } from '../open-store.ts';

const tempDirs: string[] = [];
after(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'base-store-open-'));
  tempDirs.push(dir);
  return dir;
}

const refusesSqliteInProduction = (error: unknown) => {
  assert.ok(error instanceof StoreConfigError, String(error));
  assert.match(error.message, /production, which needs PostgreSQL: set BASE_DATABASE_URL to a URL such as postgres:\/\//);
  return true;
};

describe('production refuses SQLite', () => {
  for (const url of ['sqlite:///var/lib/base/control-plane.sqlite3', '/var/lib/base/control-plane.sqlite3', 'state/db.sqlite3', ':memory:', 'sqlite::memory:']) {
    it(`refuses ${url} at start with a message saying what to set`, async () => {
      await assert.rejects(openStore({ url, environment: 'production' }), refusesSqliteInProduction);
    });
  }

  it('refuses a missing URL in production instead of falling back to SQLite', async () => {
    const stateDir = await tempDir();
    await assert.rejects(openStore({ environment: 'production', stateDir }), (error: unknown) => {
      assert.ok(error instanceof StoreConfigError, String(error));
      assert.match(error.message, /production needs PostgreSQL; set BASE_DATABASE_URL to a URL such as postgres:\/\/USER:PASSWORD@HOST:5432\/DATABASE/);
      return true;
    });
    assert.equal(existsSync(join(stateDir, DEFAULT_SQLITE_FILE)), false, 'no SQLite file was created');
  });

  it('accepts postgres:// and postgresql:// URLs in production', () => {
    assert.deepEqual(resolveStoreTarget({ url: 'postgres://u:p@db:5432/base', environment: 'production' }), {
      backend: 'postgres',
      url: 'postgres://u:p@db:5432/base',
    });
    assert.equal(resolveStoreTarget({ url: 'postgresql://db/base', environment: 'production' }).backend, 'postgres');
  });
});

describe('store URL forms', () => {
  it('defaults to SQLite in the state folder in development, with no set-up', async () => {
    const stateDir = join(await tempDir(), 'state', 'not-yet-created');
    const store = await openStore({ environment: 'development', stateDir });
    try {
      assert.equal(store.backend, 'sqlite');
      assert.equal(store.location, `sqlite://${join(stateDir, DEFAULT_SQLITE_FILE)}`);
      await store.putState('hello', 'world');
      assert.ok(existsSync(join(stateDir, DEFAULT_SQLITE_FILE)));
    } finally {
      await store.close();
    }
  });

  it('reads sqlite:///abs/path, plain paths and :memory:', () => {
    const dev = { environment: 'development' as const };
    assert.deepEqual(resolveStoreTarget({ ...dev, url: 'sqlite:///var/lib/base/cp.sqlite3' }), { backend: 'sqlite', path: '/var/lib/base/cp.sqlite3' });
    assert.deepEqual(resolveStoreTarget({ ...dev, url: 'sqlite:///tmp/with%20space.sqlite3' }), { backend: 'sqlite', path: '/tmp/with space.sqlite3' });
    assert.deepEqual(resolveStoreTarget({ ...dev, url: '/srv/cp.sqlite3' }), { backend: 'sqlite', path: '/srv/cp.sqlite3' });
    assert.deepEqual(resolveStoreTarget({ ...dev, url: 'rel/cp.sqlite3' }), { backend: 'sqlite', path: resolve('rel/cp.sqlite3') });
    assert.deepEqual(resolveStoreTarget({ ...dev, url: ':memory:' }), { backend: 'sqlite', path: ':memory:' });
    assert.deepEqual(resolveStoreTarget({ ...dev, url: 'sqlite::memory:' }), { backend: 'sqlite', path: ':memory:' });
  });

  it('opens an in-memory SQLite store', async () => {
    const store = await openStore({ environment: 'development', url: ':memory:' });
    try {
      await store.sealVector(1, 'a'.repeat(64), { ok: true });
      assert.deepEqual((await store.latestVector())?.document, { ok: true });
    } finally {
      await store.close();
    }
  });

  it('refuses relative sqlite:// URLs and unknown schemes, naming the accepted forms', () => {
    assert.throws(
      () => resolveStoreTarget({ environment: 'development', url: 'sqlite://relative/path.sqlite3' }),
      /a SQLite URL needs an absolute path, as in sqlite:\/\/\/var\/lib\/base\/control-plane\.sqlite3/,
    );
    assert.throws(
      () => resolveStoreTarget({ environment: 'development', url: 'mysql://root:hunter2@db/base' }),
      (error: unknown) => {
        assert.ok(error instanceof StoreConfigError);
        assert.match(error.message, /unsupported store URL scheme "mysql:"/);
        assert.match(error.message, /expected postgres:\/\/USER:PASSWORD@HOST:5432\/DATABASE, sqlite:\/\/\/absolute\/path\.sqlite3/);
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
  });

  it('needs a URL or a state folder in development', () => {
    assert.throws(() => resolveStoreTarget({ environment: 'development' }), /set BASE_DATABASE_URL, or give the state folder/);
  });
});
