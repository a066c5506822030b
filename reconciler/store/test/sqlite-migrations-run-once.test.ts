/** SQLite migrations: each version once, in a transaction, also with several processes starting at once. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import Database from 'better-sqlite3';

import { StoreConfigError, StoreError } from '../errors.ts';
import { LATEST_SCHEMA_VERSION, type Migration } from '../migrations.ts';
import { SqliteStore } from '../sqlite-store.ts';

const run = promisify(execFile);
const tempDirs: string[] = [];
after(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'base-store-migrate-'));
  tempDirs.push(dir);
  return join(dir, 'store.sqlite3');
}

const m1: Migration = { version: 1, name: 'counter', postgres: '', sqlite: 'CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (1);' };
const m2Broken: Migration = { version: 2, name: 'broken', postgres: '', sqlite: 'CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);' };
const m2Fixed: Migration = { version: 2, name: 'fixed', postgres: '', sqlite: 'CREATE TABLE half (x INTEGER);' };

function inspect(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const counterRows = tables.includes('counter') ? (db.prepare('SELECT count(*) AS n FROM counter').get() as { n: number }).n : null;
    return { versions, tables, counterRows };
  } finally {
    db.close();
  }
}

describe('SQLite migrations', () => {
  it('applies each version once: reopening runs nothing again', async () => {
    const path = await tempFile();
    await (await SqliteStore.open({ path, migrations: [m1] })).close();
    await (await SqliteStore.open({ path, migrations: [m1] })).close();
    const state = inspect(path);
    assert.deepEqual(state.versions, [1]);
    assert.equal(state.counterRows, 1, 'the INSERT of migration 1 ran once');
  });

  it('rolls a failing migration back whole and records nothing for it', async () => {
    const path = await tempFile();
    await assert.rejects(SqliteStore.open({ path, migrations: [m1, m2Broken] }), (error: unknown) => {
      assert.ok(error instanceof StoreError, String(error));
      assert.match(error.message, /no such table: no_such_table/);
      return true;
    });
    let state = inspect(path);
    assert.deepEqual(state.versions, [1]);
    assert.equal(state.tables.includes('half'), false, 'the table created before the failure was rolled back');
    await (await SqliteStore.open({ path, migrations: [m1, m2Fixed] })).close();
    state = inspect(path);
    assert.deepEqual(state.versions, [1, 2]);
    assert.equal(state.counterRows, 1);
  });

  it('refuses a database migrated by a newer version of the software', async () => {
    const path = await tempFile();
    await (await SqliteStore.open({ path, migrations: [m1, m2Fixed] })).close();
    await assert.rejects(SqliteStore.open({ path, migrations: [m1] }), (error: unknown) => {
      assert.ok(error instanceof StoreConfigError, String(error));
      assert.match(error.message, /schema version 2, newer than this software knows \(1\)/);
      return true;
    });
  });

  it('applies the real migrations once when several processes open a new file at the same time', async () => {
    const path = await tempFile();
    const storeModule = fileURLToPath(new URL('../sqlite-store.ts', import.meta.url));
    // Every child loads first, then spins until the same instant, so the opens really overlap.
    const goAt = Date.now() + 3_000;
    const script = `const { SqliteStore } = await import(${JSON.stringify(storeModule)});
      while (Date.now() < ${goAt}) {}
      const store = await SqliteStore.open({ path: process.argv[1] });
      process.stdout.write(JSON.stringify(await store.appliedMigrations()));
      await store.close();`;
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path], { timeout: 30_000 }),
      ),
    );
    const expected = Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1);
    for (const { stdout } of outputs) assert.deepEqual(JSON.parse(stdout), expected);
    assert.deepEqual(inspect(path).versions, expected);
  });
});
