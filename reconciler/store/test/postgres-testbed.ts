/**
 * PostgreSQL for the store's integration tests: the test bed's database, with one fresh schema per store under a
 * per-run prefix, so parallel and repeated runs never see each other's tables. Every schema is dropped at the end.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { PostgresStore, type PostgresStoreOptions } from '../postgres-store.ts';
import type { ControlPlaneStore } from '../types.ts';
import type { StoreUnderTest } from './conformance.ts';

/** The test bed's database URL (carries the password: never print it). */
export function testbedDatabaseUrl(): string {
  return readTestbedEndpoints().database.url;
}

const RUN_PREFIX = `store_test_${process.pid.toString(36)}_${randomBytes(3).toString('hex')}`;
let schemaCounter = 0;

/** A schema name no other run uses (≤ 63 characters). */
export function uniqueSchema(): string {
  schemaCounter += 1;
  return `${RUN_PREFIX}_${schemaCounter}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * A throw-away database on the server `serverUrl` names (for a store that must own its database, as a production
 * master does); returns its name and a URL for it. Drop it with dropTestDatabase.
 */
export async function createTestDatabase(serverUrl: string, namePrefix: string): Promise<{ name: string; url: string }> {
  const name = `${namePrefix}_${process.pid.toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

export async function dropTestDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A fresh store in its own schema; `reopen` opens more instances on it; `dispose` closes them and drops it. */
export async function makePostgresStore(options: Omit<PostgresStoreOptions, 'url' | 'schema'> = {}): Promise<StoreUnderTest & { schema: string; url: string }> {
  const url = testbedDatabaseUrl();
  const schema = uniqueSchema();
  const opened: ControlPlaneStore[] = [];
  const open = async () => {
    const store = await PostgresStore.open({ ...options, url, schema });
    opened.push(store);
    return store;
  };
  let store: ControlPlaneStore;
  try {
    store = await open();
  } catch (error) {
    await dropSchema(url, schema).catch(() => {});
    throw error;
  }
  return {
    store,
    schema,
    url,
    reopen: open,
    async dispose() {
      await Promise.allSettled(opened.map((s) => s.close()));
      await dropSchema(url, schema);
    },
  };
}
