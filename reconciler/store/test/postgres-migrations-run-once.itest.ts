/** PostgreSQL migrations: each version once, in a transaction, even with several processes starting at once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import pg from 'pg';

import { StoreConfigError, StoreError } from '../errors.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../migrations.ts';
import { PostgresStore } from '../postgres-store.ts';
import { dropSchema, testbedDatabaseUrl, uniqueSchema } from './postgres-testbed.ts';

const m1: Migration = { version: 1, name: 'counter', sqlite: '', postgres: 'CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (1);' };
const m2Broken: Migration = { version: 2, name: 'broken', sqlite: '', postgres: 'CREATE TABLE half (x INTEGER); INSERT INTO no_such_table VALUES (1);' };
const m2Fixed: Migration = { version: 2, name: 'fixed', sqlite: '', postgres: 'CREATE TABLE half (x INTEGER);' };

async function inspect(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const versions = (await client.query(`SELECT version FROM ${client.escapeIdentifier(schema)}.schema_migrations ORDER BY version`)).rows.map((r) => Number(r.version));
    const tables = (await client.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema])).rows.map((r) => String(r.table_name));
    const counterRows = tables.includes('counter')
      ? Number((await client.query(`SELECT count(*) AS n FROM ${client.escapeIdentifier(schema)}.counter`)).rows[0].n)
      : null;
    return { versions, tables, counterRows };
  } finally {
    await client.end();
  }
}

/** Runs body with a fresh schema name and always drops that schema. */
async function withSchema(body: (url: string, schema: string) => Promise<void>): Promise<void> {
  const url = testbedDatabaseUrl();
  const schema = uniqueSchema();
  try {
    await body(url, schema);
  } finally {
    await dropSchema(url, schema);
  }
}

describe('PostgreSQL migrations', () => {
  it('applies each version once when eight stores open a new schema at the same time', () =>
    withSchema(async (url, schema) => {
      const stores = await Promise.all(Array.from({ length: 8 }, () => PostgresStore.open({ url, schema, migrations: [m1, m2Fixed] })));
      await Promise.all(stores.map((store) => store.close()));
      const state = await inspect(url, schema);
      assert.deepEqual(state.versions, [1, 2]);
      assert.equal(state.counterRows, 1, 'the INSERT of migration 1 ran exactly once');
    }));

  it('applies the real migrations once under concurrent opens, and nothing on reopen', () =>
    withSchema(async (url, schema) => {
      const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStore.open({ url, schema })));
      await Promise.all(stores.map((store) => store.close()));
      const reopened = await PostgresStore.open({ url, schema });
      await reopened.close();
      const state = await inspect(url, schema);
      assert.deepEqual(state.versions, Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
      assert.deepEqual(state.versions.length, MIGRATIONS.length);
      for (const table of ['applies', 'apply_objects', 'weight_snapshots', 'sealed_vectors', 'reconciler_state']) {
        assert.ok(state.tables.includes(table), `table ${table} exists`);
      }
    }));

  it('rolls a failing migration back whole and records nothing for it', () =>
    withSchema(async (url, schema) => {
      await assert.rejects(PostgresStore.open({ url, schema, migrations: [m1, m2Broken] }), (error: unknown) => {
        assert.ok(error instanceof StoreError, String(error));
        assert.match(error.message, /migration 2 \(broken\) failed: relation "no_such_table" does not exist/);
        return true;
      });
      let state = await inspect(url, schema);
      assert.deepEqual(state.versions, [1]);
      assert.equal(state.tables.includes('half'), false, 'the table created before the failure was rolled back');
      await (await PostgresStore.open({ url, schema, migrations: [m1, m2Fixed] })).close();
      state = await inspect(url, schema);
      assert.deepEqual(state.versions, [1, 2]);
      assert.equal(state.counterRows, 1);
    }));

  it('refuses a schema migrated by a newer version of the software', () =>
    withSchema(async (url, schema) => {
      await (await PostgresStore.open({ url, schema, migrations: [m1, m2Fixed] })).close();
      await assert.rejects(PostgresStore.open({ url, schema, migrations: [m1] }), (error: unknown) => {
        assert.ok(error instanceof StoreConfigError, String(error));
        assert.match(error.message, /schema version 2, newer than this software knows \(1\)/);
        return true;
      });
    }));
});
