/** SQLite migrations: each version once, in a transaction, also with several processes starting at once. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import Database from 'better-sqlite3';

import { StoreConfigError, StoreError } from '../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../migrations.ts';
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
    // Every child loads first, then waits for the same instant (sleeping, then spinning the last 30 ms for
    // sub-millisecond precision), so the opens really overlap.
    const goAt = Date.now() + 3_000;
    const script = `const { SqliteStore } = await import(${JSON.stringify(storeModule)});
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, ${goAt} - 30 - Date.now())));
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

  it('waits for another process that is migrating, then applies nothing twice', async () => {
    const path = await tempFile();
    // The other process has created schema_migrations already; it takes the write lock, applies every migration,
    // holds the transaction 600 ms, then commits. Reading the applied versions before taking the lock would see
    // none and collide with the other process's commit: the runner must wait for the lock first.
    const holder = `const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
      db.exec('BEGIN IMMEDIATE');
      for (const m of JSON.parse(process.env.MIGRATIONS)) {
        db.exec(m.sqlite);
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, 'by the other process', new Date().toISOString());
      }
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 600);`;
    const child = spawn(process.execPath, ['-e', holder, path], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, MIGRATIONS: JSON.stringify(MIGRATIONS) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    await once(child.stdout, 'data');
    const started = Date.now();
    const store = await SqliteStore.open({ path });
    const waited = Date.now() - started;
    try {
      assert.deepEqual(await store.appliedMigrations(), Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
      assert.ok(waited >= 300, `open waited ${waited} ms for the other process's transaction`);
      const db = new Database(path, { readonly: true });
      try {
        const names = (db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name);
        assert.ok(names.every((name) => name === 'by the other process'), 'this open applied nothing itself');
      } finally {
        db.close();
      }
    } finally {
      await store.close();
      await exited;
    }
  });
});
