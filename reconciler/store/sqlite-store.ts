/** Embedded SQLite store (better-sqlite3, WAL): the development default, no set-up. */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import { StoreConfigError, StoreConflictError, StoreError, StoreUnavailableError, VectorSealConflictError } from './errors.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { snapshotDigest } from '../weights/snapshot-digest.ts';
import type {
  ApplyObjectOutcome,
  ApplyOutcome,
  ApplyRecord,
  ApplyRecordInput,
  ControlPlaneStore,
  PutSnapshotResult,
  SealResult,
  SealedVector,
  SnapshotInput,
  WeightSnapshot,
} from './types.ts';
import {
  checkApplyRecord,
  checkDigest,
  checkEpoch,
  checkLimit,
  checkNonceKey,
  checkNonEmptyString,
  checkSlug,
  checkStateKey,
  checkTimestamp,
  checkWeights,
  toJsonText,
} from './validate.ts';

export interface SqliteStoreOptions {
  /** Absolute or relative file path, or ':memory:'. */
  path: string;
  /** How long a write waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** For tests of the migration runner only. */
  migrations?: readonly Migration[];
}

interface ApplyRow {
  seq: number;
  id: string;
  revision: string | null;
  plan_hash: string;
  started_at: string;
  finished_at: string;
  outcome: ApplyOutcome;
  duration_ms: number;
}

interface ApplyObjectRow {
  apply_seq: number;
  kind: string;
  name: string;
  action: string;
  outcome: string;
  duration_ms: number;
  error: string | null;
  detail: string | null;
}

interface SnapshotRow {
  slug: string;
  epoch: number;
  fetched_at: string;
  digest: string;
  hotkey_count: number;
  weights: string;
}

interface VectorRow {
  epoch: number;
  digest: string;
  document: string;
  sealed_at: string;
}

export class SqliteStore implements ControlPlaneStore {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  private readonly db: Database.Database;
  private closed = false;

  private constructor(db: Database.Database, location: string) {
    this.db = db;
    this.location = location;
  }

  /** Opens (creating the file and its folder when missing) and applies pending migrations. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const location = options.path === ':memory:' ? 'sqlite::memory:' : `sqlite://${options.path}`;
    let db: Database.Database;
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
      db = new Database(options.path);
    } catch (error) {
      throw new StoreConfigError(`cannot open the SQLite store at ${options.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      if (options.path !== ':memory:') switchToWal(db, busyTimeoutMs);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrateSqlite(db, options.migrations ?? MIGRATIONS);
    } catch (error) {
      db.close();
      throw mapSqliteError(error, `opening the SQLite store at ${options.path}`);
    }
    return new SqliteStore(db, location);
  }

  async recordApply(input: ApplyRecordInput): Promise<ApplyRecord> {
    const record = checkApplyRecord(input);
    const id = input.id === undefined ? randomUUID() : input.id;
    checkNonEmptyString(id, 'id');
    return this.run('recording an apply', () => {
      const insert = this.db.transaction(() => {
        const existing = this.db.prepare('SELECT 1 FROM applies WHERE id = ?').get(id);
        if (existing) throw new StoreConflictError(`apply ${id} is already recorded; apply records are written once`);
        const { lastInsertRowid } = this.db
          .prepare(
            `INSERT INTO applies (id, revision, plan_hash, started_at, finished_at, outcome, duration_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(id, record.revision, record.planHash, record.startedAt, record.finishedAt, record.outcome, record.durationMs);
        const insertObject = this.db.prepare(
          `INSERT INTO apply_objects (apply_seq, position, kind, name, action, outcome, duration_ms, error, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        record.objects.forEach((o, position) =>
          insertObject.run(lastInsertRowid, position, o.kind, o.name, o.action, o.outcome, o.durationMs, o.error, o.detail),
        );
      });
      insert.immediate();
      return { id, ...record, objects: record.objects.map((o) => ({ ...o })) };
    });
  }

  async listApplies(limit = 20): Promise<ApplyRecord[]> {
    checkLimit(limit);
    return this.run('listing applies', () => {
      const rows = this.db
        .prepare('SELECT * FROM applies ORDER BY finished_at DESC, seq DESC LIMIT ?')
        .all(limit) as ApplyRow[];
      return this.withObjects(rows);
    });
  }

  async latestApply(): Promise<ApplyRecord | null> {
    const [latest] = await this.listApplies(1);
    return latest ?? null;
  }

  async putSnapshot(input: SnapshotInput): Promise<PutSnapshotResult> {
    const slug = checkSlug(input.slug);
    const epoch = checkEpoch(input.epoch);
    const fetchedAt = checkTimestamp(input.fetchedAt, 'fetchedAt');
    const weights = checkWeights(input.weights);
    const digest = snapshotDigest(weights);
    const body = toJsonText(weights, 'weights');
    return this.run(`storing the snapshot of ${slug} for epoch ${epoch}`, () => {
      const put = this.db.transaction((): PutSnapshotResult => {
        const inserted = this.db
          .prepare(
            `INSERT INTO weight_snapshots (slug, epoch, fetched_at, digest, hotkey_count, weights)
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slug, epoch) DO NOTHING`,
          )
          .run(slug, epoch, fetchedAt, digest, Object.keys(weights).length, body);
        const row = this.db
          .prepare('SELECT * FROM weight_snapshots WHERE slug = ? AND epoch = ?')
          .get(slug, epoch) as SnapshotRow;
        const snapshot = snapshotFromRow(row);
        const status = inserted.changes === 1 ? 'inserted' : row.digest === digest ? 'unchanged' : 'conflict';
        return { status, snapshot, offeredDigest: digest };
      });
      return put.immediate();
    });
  }

  async getSnapshot(slug: string, epoch: number): Promise<WeightSnapshot | null> {
    checkSlug(slug);
    checkEpoch(epoch);
    return this.oneSnapshot('SELECT * FROM weight_snapshots WHERE slug = ? AND epoch = ?', slug, epoch);
  }

  async latestSnapshotBefore(slug: string, epoch: number): Promise<WeightSnapshot | null> {
    checkSlug(slug);
    checkEpoch(epoch);
    return this.oneSnapshot(
      'SELECT * FROM weight_snapshots WHERE slug = ? AND epoch < ? ORDER BY epoch DESC LIMIT 1',
      slug,
      epoch,
    );
  }

  async latestGoodSnapshot(slug: string, atOrBefore: number): Promise<WeightSnapshot | null> {
    checkSlug(slug);
    checkEpoch(atOrBefore, 'atOrBefore');
    return this.oneSnapshot(
      'SELECT * FROM weight_snapshots WHERE slug = ? AND epoch <= ? ORDER BY epoch DESC LIMIT 1',
      slug,
      atOrBefore,
    );
  }

  async pruneSnapshotsBefore(epoch: number): Promise<number> {
    checkEpoch(epoch);
    return this.run(`pruning snapshots before epoch ${epoch}`, () =>
      this.db.prepare('DELETE FROM weight_snapshots WHERE epoch < ?').run(epoch).changes,
    );
  }

  async sealVector<Doc>(epoch: number, digest: string, document: Doc): Promise<SealResult<Doc>> {
    checkEpoch(epoch);
    checkDigest(digest);
    const text = toJsonText(document, 'document');
    const sealedAt = new Date().toISOString();
    return this.run(`sealing epoch ${epoch}`, () => {
      const seal = this.db.transaction((): SealResult<Doc> => {
        const inserted = this.db
          .prepare(
            `INSERT INTO sealed_vectors (epoch, digest, document, sealed_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (epoch) DO NOTHING`,
          )
          .run(epoch, digest, text, sealedAt);
        const row = this.db.prepare('SELECT * FROM sealed_vectors WHERE epoch = ?').get(epoch) as VectorRow;
        if (inserted.changes === 0 && row.digest !== digest) {
          throw new VectorSealConflictError(epoch, row.digest, digest);
        }
        return { created: inserted.changes === 1, vector: vectorFromRow<Doc>(row) };
      });
      return seal.immediate();
    });
  }

  async latestVector<Doc = unknown>(): Promise<SealedVector<Doc> | null> {
    return this.run('reading the latest sealed vector', () => {
      const row = this.db.prepare('SELECT * FROM sealed_vectors ORDER BY epoch DESC LIMIT 1').get() as
        | VectorRow
        | undefined;
      return row ? vectorFromRow<Doc>(row) : null;
    });
  }

  async vectorAt<Doc = unknown>(epoch: number): Promise<SealedVector<Doc> | null> {
    checkEpoch(epoch);
    return this.run(`reading the vector of epoch ${epoch}`, () => {
      const row = this.db.prepare('SELECT * FROM sealed_vectors WHERE epoch = ?').get(epoch) as VectorRow | undefined;
      return row ? vectorFromRow<Doc>(row) : null;
    });
  }

  async listVectors<Doc = unknown>(limit: number, before?: number): Promise<SealedVector<Doc>[]> {
    checkLimit(limit);
    if (before !== undefined) checkEpoch(before, 'before');
    return this.run('listing sealed vectors', () => {
      const rows = (before === undefined
        ? this.db.prepare('SELECT * FROM sealed_vectors ORDER BY epoch DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM sealed_vectors WHERE epoch < ? ORDER BY epoch DESC LIMIT ?').all(before, limit)) as VectorRow[];
      return rows.map((row) => vectorFromRow<Doc>(row));
    });
  }

  async vectorBefore<Doc = unknown>(epoch: number): Promise<SealedVector<Doc> | null> {
    checkEpoch(epoch);
    return this.run(`reading the vector before epoch ${epoch}`, () => {
      const row = this.db.prepare('SELECT * FROM sealed_vectors WHERE epoch < ? ORDER BY epoch DESC LIMIT 1').get(epoch) as VectorRow | undefined;
      return row ? vectorFromRow<Doc>(row) : null;
    });
  }

  async putEpochInputs(epoch: number, document: unknown): Promise<{ created: boolean }> {
    checkEpoch(epoch);
    const text = toJsonText(document, 'document');
    return this.run(`storing the inputs of epoch ${epoch}`, () => {
      const inserted = this.db
        .prepare('INSERT INTO epoch_inputs (epoch, document, stored_at) VALUES (?, ?, ?) ON CONFLICT (epoch) DO NOTHING')
        .run(epoch, text, new Date().toISOString());
      return { created: inserted.changes === 1 };
    });
  }

  async epochInputsAt<Doc = unknown>(epoch: number): Promise<Doc | null> {
    checkEpoch(epoch);
    return this.run(`reading the inputs of epoch ${epoch}`, () => {
      const row = this.db.prepare('SELECT document FROM epoch_inputs WHERE epoch = ?').get(epoch) as { document: string } | undefined;
      return row ? (JSON.parse(row.document) as Doc) : null;
    });
  }

  async pruneEpochInputsBefore(epoch: number): Promise<number> {
    checkEpoch(epoch);
    return this.run(`pruning epoch inputs before epoch ${epoch}`, () => this.db.prepare('DELETE FROM epoch_inputs WHERE epoch < ?').run(epoch).changes);
  }

  async claimUploadNonce(hotkey: string, nonce: string, expiresAt: string, now: string): Promise<boolean> {
    checkNonceKey(hotkey, 'hotkey');
    checkNonceKey(nonce, 'nonce');
    const expires = checkTimestamp(expiresAt, 'expiresAt');
    const at = checkTimestamp(now, 'now');
    return this.run(`recording an upload nonce`, () => {
      // One statement: a live record conflicts and the WHERE keeps it (0 changes); an expired one is replaced.
      const result = this.db
        .prepare(
          'INSERT INTO upload_nonces (hotkey, nonce, expires_at) VALUES (?, ?, ?) ' +
            'ON CONFLICT (hotkey, nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE upload_nonces.expires_at <= ?',
        )
        .run(hotkey, nonce, expires, at);
      return result.changes === 1;
    });
  }

  async pruneUploadNonces(now: string): Promise<number> {
    const at = checkTimestamp(now, 'now');
    return this.run('pruning expired upload nonces', () => this.db.prepare('DELETE FROM upload_nonces WHERE expires_at <= ?').run(at).changes);
  }

  async getState<T = unknown>(key: string): Promise<T | null> {
    checkStateKey(key);
    return this.run(`reading state ${key}`, () => {
      const row = this.db.prepare('SELECT value FROM reconciler_state WHERE key = ?').get(key) as
        | { value: string }
        | undefined;
      return row ? (JSON.parse(row.value) as T) : null;
    });
  }

  async putState(key: string, value: unknown): Promise<void> {
    checkStateKey(key);
    const text = toJsonText(value, `state ${key}`);
    const updatedAt = new Date().toISOString();
    this.run(`writing state ${key}`, () =>
      this.db
        .prepare(
          `INSERT INTO reconciler_state (key, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(key, text, updatedAt),
    );
  }

  async deleteState(key: string): Promise<void> {
    checkStateKey(key);
    this.run(`deleting state ${key}`, () => this.db.prepare('DELETE FROM reconciler_state WHERE key = ?').run(key));
  }

  async appliedMigrations(): Promise<number[]> {
    return this.run('reading schema_migrations', () =>
      (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
        (row) => row.version,
      ),
    );
  }

  async ping(): Promise<void> {
    this.run('ping', () => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private oneSnapshot(sql: string, ...params: unknown[]): WeightSnapshot | null {
    return this.run('reading a snapshot', () => {
      const row = this.db.prepare(sql).get(...params) as SnapshotRow | undefined;
      return row ? snapshotFromRow(row) : null;
    });
  }

  private withObjects(rows: ApplyRow[]): ApplyRecord[] {
    if (rows.length === 0) return [];
    const objects = this.db
      .prepare(
        `SELECT * FROM apply_objects WHERE apply_seq IN (SELECT value FROM json_each(?))
         ORDER BY apply_seq, position`,
      )
      .all(JSON.stringify(rows.map((row) => row.seq))) as ApplyObjectRow[];
    const bySeq = new Map<number, ApplyObjectOutcome[]>();
    for (const o of objects) {
      const list = bySeq.get(o.apply_seq) ?? [];
      list.push({
        kind: o.kind,
        name: o.name,
        action: o.action,
        outcome: o.outcome,
        durationMs: o.duration_ms,
        error: o.error,
        detail: o.detail,
      });
      bySeq.set(o.apply_seq, list);
    }
    return rows.map((row) => ({
      id: row.id,
      revision: row.revision,
      planHash: row.plan_hash,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      outcome: row.outcome,
      objects: bySeq.get(row.seq) ?? [],
      durationMs: row.duration_ms,
    }));
  }

  private run<T>(what: string, fn: () => T): T {
    if (this.closed) throw new StoreError(`the store is closed (${what})`);
    try {
      return fn();
    } catch (error) {
      throw mapSqliteError(error, what);
    }
  }
}

function migrateSqlite(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
  ) STRICT`);
  const applied = () =>
    new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const newest = Math.max(0, ...applied());
  if (newest > migrations.length) {
    throw new StoreConfigError(
      `the SQLite store has schema version ${newest}, newer than this software knows (${migrations.length}); ` +
        'run a newer version of base against it',
    );
  }
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock first, so two processes opening the same file cannot both apply a version.
    db.transaction(() => {
      if (applied().has(migration.version)) return;
      db.exec(migration.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}

function snapshotFromRow(row: SnapshotRow): WeightSnapshot {
  return {
    slug: row.slug,
    epoch: row.epoch,
    fetchedAt: row.fetched_at,
    digest: row.digest,
    hotkeyCount: row.hotkey_count,
    weights: JSON.parse(row.weights) as WeightSnapshot['weights'],
  };
}

function vectorFromRow<Doc>(row: VectorRow): SealedVector<Doc> {
  return { epoch: row.epoch, digest: row.digest, document: JSON.parse(row.document) as Doc, sealedAt: row.sealed_at };
}

function mapSqliteError(error: unknown, what: string): Error {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = `${what}: ${(error as Error).message}`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreUnavailableError(`SQLite store is locked by another process (${message})`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new StoreConflictError(message, { cause: error });
  }
  return new StoreError(message, { cause: error });
}

/**
 * Switching to WAL needs an exclusive lock, and SQLite may answer SQLITE_BUSY at once instead of calling the busy
 * handler (several processes opening a new file together). Retry briefly within the busy timeout; once any process
 * has switched, the mode is persistent and the others see it already set.
 */
function switchToWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 10 + Math.floor(Math.random() * 20));
    }
  }
}
