/** The control-plane store: import from here. */
export * from './types.ts';
export * from './errors.ts';
export { openStore, resolveStoreTarget, STORE_URL_ENV, DEFAULT_SQLITE_FILE } from './open-store.ts';
export type { OpenStoreOptions, StoreTarget } from './open-store.ts';
export { PostgresStore } from './postgres-store.ts';
export type { PostgresStoreOptions } from './postgres-store.ts';
export { SqliteStore } from './sqlite-store.ts';
export type { SqliteStoreOptions } from './sqlite-store.ts';
export { redactDatabaseUrl, scrubDatabaseSecrets } from './redact.ts';
export { snapshotDigest, canonicalWeightsJson } from '../weights/snapshot-digest.ts';
export { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations.ts';
export { applyRecordFromResult } from './from-apply-result.ts';
export type { Migration } from './migrations.ts';
export { trackAvailability } from './availability.ts';
export type { AvailableStore, StoreAvailability } from './availability.ts';
