/** PostgreSQL store (`pg` Pool): the production backend. */
import { randomUUID } from 'node:crypto';

import pg from 'pg';

import { StoreConfigError, StoreConflictError, StoreError, StoreUnavailableError, VectorSealConflictError } from './errors.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { redactDatabaseUrl, scrubDatabaseSecrets } from './redact.ts';
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

export interface PostgresStoreOptions {
  url: string;
  /** Schema holding the tables (created when missing); default: the role's search_path. */
  schema?: string;
  /** Time to establish a connection, including the startup handshake (ms). */
  connectionTimeoutMs?: number;
  /** Server-side limit per statement (ms); the client gives up a little later in case the server is gone. */
  statementTimeoutMs?: number;
  maxConnections?: number;
  /** For tests of the migration runner only. */
  migrations?: readonly Migration[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** First half of the advisory lock key for migrations ("BASE" in ASCII); the second half hashes the schema. */
const MIGRATION_LOCK_CLASS = 0x42415345;

/** Every column arrives as text (or null): we parse it ourselves so global pg type parsers cannot change results. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value };

/** ISO-8601 UTC with milliseconds, exactly like Date#toISOString(). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const SNAPSHOT_COLUMNS = `slug, epoch, ${iso('fetched_at')} AS fetched_at, digest, hotkey_count, weights`;
const VECTOR_COLUMNS = `epoch, digest, document, ${iso('sealed_at')} AS sealed_at`;
const APPLY_COLUMNS = `seq, id, revision, plan_hash, ${iso('started_at')} AS started_at,
  ${iso('finished_at')} AS finished_at, outcome, duration_ms`;

type Row = Record<string, string | null>;

export class PostgresStore implements ControlPlaneStore {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly url: string;
  private closed = false;

  private constructor(pool: pg.Pool, url: string) {
    this.pool = pool;
    this.url = url;
    this.location = redactDatabaseUrl(url);
  }

  /**
   * Connects and applies pending migrations under an advisory lock (concurrent starts apply each version once).
   * Rejects with StoreUnavailableError when PostgreSQL cannot be reached within the connection timeout.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
      throw new StoreConfigError(
        `schema: expected lowercase letters, digits and underscores (at most 63, not starting with a digit), found ${JSON.stringify(schema)}`,
      );
    }
    const statementTimeoutMs = Math.trunc(options.statementTimeoutMs ?? 10_000);
    const startupOptions = [`-c statement_timeout=${statementTimeoutMs}`, '-c TimeZone=UTC'];
    if (schema !== undefined) startupOptions.push(`-c search_path=${schema}`);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 5,
      connectionTimeoutMillis: Math.trunc(options.connectionTimeoutMs ?? 5_000),
      // The client-side guard for a server that stopped answering (statement_timeout needs a live server).
      query_timeout: statementTimeoutMs + 2_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'base-control-plane',
      options: startupOptions.join(' '),
      types: RAW_TYPES,
    });
    // An idle connection that dies (server restart, network cut) must not crash the process: the pool drops it and
    // the next call reconnects.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, options.url);
    try {
      await store.migrate(schema, options.migrations ?? MIGRATIONS);
    } catch (error) {
      await pool.end().catch(() => {});
      throw store.mapError(error, 'opening the store');
    }
    return store;
  }

  async recordApply(input: ApplyRecordInput): Promise<ApplyRecord> {
    const record = checkApplyRecord(input);
    const id = checkNonEmptyString(input.id === undefined ? randomUUID() : input.id, 'id');
    const objects = record.objects;
    await this.transaction('recording an apply', async (client) => {
      const inserted = await client.query(
        `INSERT INTO applies (id, revision, plan_hash, started_at, finished_at, outcome, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING seq`,
        [id, record.revision, record.planHash, record.startedAt, record.finishedAt, record.outcome, record.durationMs],
      );
      const seq = inserted.rows[0]?.seq;
      if (seq === undefined) throw new StoreConflictError(`apply ${id} is already recorded; apply records are written once`);
      if (objects.length === 0) return;
      await client.query(
        `INSERT INTO apply_objects (apply_seq, position, kind, name, action, outcome, duration_ms, error, detail)
         SELECT $1, t.position - 1, t.kind, t.name, t.action, t.outcome, t.duration_ms, t.error, t.detail
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[])
           WITH ORDINALITY AS t(kind, name, action, outcome, duration_ms, error, detail, position)`,
        [
          seq,
          objects.map((o) => o.kind),
          objects.map((o) => o.name),
          objects.map((o) => o.action),
          objects.map((o) => o.outcome),
          objects.map((o) => o.durationMs),
          objects.map((o) => o.error),
          objects.map((o) => o.detail),
        ],
      );
    });
    return { id, ...record, objects: objects.map((o) => ({ ...o })) };
  }

  async listApplies(limit = 20): Promise<ApplyRecord[]> {
    checkLimit(limit);
    const what = 'listing applies';
    const applies = await this.query(what, `SELECT ${APPLY_COLUMNS} FROM applies ORDER BY finished_at DESC, seq DESC LIMIT $1`, [
      limit,
    ]);
    if (applies.length === 0) return [];
    const objects = await this.query(
      what,
      `SELECT apply_seq, kind, name, action, outcome, duration_ms, error, detail FROM apply_objects
       WHERE apply_seq = ANY($1::bigint[]) ORDER BY apply_seq, position`,
      [applies.map((row) => row.seq)],
    );
    const bySeq = new Map<string, ApplyObjectOutcome[]>();
    for (const o of objects) {
      const key = text(o.apply_seq);
      const list = bySeq.get(key) ?? [];
      list.push({
        kind: text(o.kind),
        name: text(o.name),
        action: text(o.action),
        outcome: text(o.outcome),
        durationMs: Number(text(o.duration_ms)),
        error: o.error ?? null,
        detail: o.detail ?? null,
      });
      bySeq.set(key, list);
    }
    return applies.map((row) => ({
      id: text(row.id),
      revision: row.revision ?? null,
      planHash: text(row.plan_hash),
      startedAt: text(row.started_at),
      finishedAt: text(row.finished_at),
      outcome: text(row.outcome) as ApplyOutcome,
      objects: bySeq.get(text(row.seq)) ?? [],
      durationMs: Number(text(row.duration_ms)),
    }));
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
    const what = `storing the snapshot of ${slug} for epoch ${epoch}`;
    // Insert-or-nothing, then read whichever row won: correct even when two collectors race on the same epoch.
    const inserted = await this.query(
      what,
      `INSERT INTO weight_snapshots (slug, epoch, fetched_at, digest, hotkey_count, weights)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug, epoch) DO NOTHING RETURNING ${SNAPSHOT_COLUMNS}`,
      [slug, epoch, fetchedAt, digest, Object.keys(weights).length, body],
    );
    const row = inserted[0] ?? (await this.query(what, `SELECT ${SNAPSHOT_COLUMNS} FROM weight_snapshots WHERE slug = $1 AND epoch = $2`, [slug, epoch]))[0];
    if (!row) throw new StoreError(`${what}: the row vanished between insert and read`);
    const snapshot = snapshotFromRow(row);
    const status = inserted[0] ? 'inserted' : snapshot.digest === digest ? 'unchanged' : 'conflict';
    return { status, snapshot, offeredDigest: digest };
  }

  async getSnapshot(slug: string, epoch: number): Promise<WeightSnapshot | null> {
    checkSlug(slug);
    checkEpoch(epoch);
    return this.oneSnapshot(`SELECT ${SNAPSHOT_COLUMNS} FROM weight_snapshots WHERE slug = $1 AND epoch = $2`, slug, epoch);
  }

  async latestSnapshotBefore(slug: string, epoch: number): Promise<WeightSnapshot | null> {
    checkSlug(slug);
    checkEpoch(epoch);
    return this.oneSnapshot(
      `SELECT ${SNAPSHOT_COLUMNS} FROM weight_snapshots WHERE slug = $1 AND epoch < $2 ORDER BY epoch DESC LIMIT 1`,
      slug,
      epoch,
    );
  }

  async latestGoodSnapshot(slug: string, atOrBefore: number): Promise<WeightSnapshot | null> {
    checkSlug(slug);
    checkEpoch(atOrBefore, 'atOrBefore');
    return this.oneSnapshot(
      `SELECT ${SNAPSHOT_COLUMNS} FROM weight_snapshots WHERE slug = $1 AND epoch <= $2 ORDER BY epoch DESC LIMIT 1`,
      slug,
      atOrBefore,
    );
  }

  async pruneSnapshotsBefore(epoch: number): Promise<number> {
    checkEpoch(epoch);
    const what = `pruning snapshots before epoch ${epoch}`;
    if (this.closed) throw new StoreError(`the store is closed (${what})`);
    try {
      return (await this.pool.query('DELETE FROM weight_snapshots WHERE epoch < $1', [epoch])).rowCount ?? 0;
    } catch (error) {
      throw this.mapError(error, what);
    }
  }

  async sealVector<Doc>(epoch: number, digest: string, document: Doc): Promise<SealResult<Doc>> {
    checkEpoch(epoch);
    checkDigest(digest);
    const body = toJsonText(document, 'document');
    const what = `sealing epoch ${epoch}`;
    const inserted = await this.query(
      what,
      `INSERT INTO sealed_vectors (epoch, digest, document, sealed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (epoch) DO NOTHING RETURNING ${VECTOR_COLUMNS}`,
      [epoch, digest, body, new Date().toISOString()],
    );
    if (inserted[0]) return { created: true, vector: vectorFromRow<Doc>(inserted[0]) };
    const [existing] = await this.query(what, `SELECT ${VECTOR_COLUMNS} FROM sealed_vectors WHERE epoch = $1`, [epoch]);
    if (!existing) throw new StoreError(`${what}: the row vanished between insert and read`);
    if (existing.digest !== digest) throw new VectorSealConflictError(epoch, text(existing.digest), digest);
    return { created: false, vector: vectorFromRow<Doc>(existing) };
  }

  async latestVector<Doc = unknown>(): Promise<SealedVector<Doc> | null> {
    const [row] = await this.query(
      'reading the latest sealed vector',
      `SELECT ${VECTOR_COLUMNS} FROM sealed_vectors ORDER BY epoch DESC LIMIT 1`,
      [],
    );
    return row ? vectorFromRow<Doc>(row) : null;
  }

  async vectorAt<Doc = unknown>(epoch: number): Promise<SealedVector<Doc> | null> {
    checkEpoch(epoch);
    const [row] = await this.query(`reading the vector of epoch ${epoch}`, `SELECT ${VECTOR_COLUMNS} FROM sealed_vectors WHERE epoch = $1`, [
      epoch,
    ]);
    return row ? vectorFromRow<Doc>(row) : null;
  }

  async listVectors<Doc = unknown>(limit: number, before?: number): Promise<SealedVector<Doc>[]> {
    checkLimit(limit);
    if (before !== undefined) checkEpoch(before, 'before');
    const rows = await this.query(
      'listing sealed vectors',
      before === undefined
        ? `SELECT ${VECTOR_COLUMNS} FROM sealed_vectors ORDER BY epoch DESC LIMIT $1`
        : `SELECT ${VECTOR_COLUMNS} FROM sealed_vectors WHERE epoch < $2 ORDER BY epoch DESC LIMIT $1`,
      before === undefined ? [limit] : [limit, before],
    );
    return rows.map((row) => vectorFromRow<Doc>(row));
  }

  async vectorBefore<Doc = unknown>(epoch: number): Promise<SealedVector<Doc> | null> {
    checkEpoch(epoch);
    const [row] = await this.query(
      `reading the vector before epoch ${epoch}`,
      `SELECT ${VECTOR_COLUMNS} FROM sealed_vectors WHERE epoch < $1 ORDER BY epoch DESC LIMIT 1`,
      [epoch],
    );
    return row ? vectorFromRow<Doc>(row) : null;
  }

  async putEpochInputs(epoch: number, document: unknown): Promise<{ created: boolean }> {
    checkEpoch(epoch);
    const body = toJsonText(document, 'document');
    const inserted = await this.query(
      `storing the inputs of epoch ${epoch}`,
      'INSERT INTO epoch_inputs (epoch, document, stored_at) VALUES ($1, $2, $3) ON CONFLICT (epoch) DO NOTHING RETURNING epoch',
      [epoch, body, new Date().toISOString()],
    );
    return { created: inserted.length === 1 };
  }

  async epochInputsAt<Doc = unknown>(epoch: number): Promise<Doc | null> {
    checkEpoch(epoch);
    // ::text keeps the document exactly as written (json, not jsonb, so key order and number spelling survive).
    const [row] = await this.query(`reading the inputs of epoch ${epoch}`, 'SELECT document::text AS document FROM epoch_inputs WHERE epoch = $1', [epoch]);
    return row ? (JSON.parse(text(row.document)) as Doc) : null;
  }

  async pruneEpochInputsBefore(epoch: number): Promise<number> {
    checkEpoch(epoch);
    const what = `pruning epoch inputs before epoch ${epoch}`;
    if (this.closed) throw new StoreError(`the store is closed (${what})`);
    try {
      return (await this.pool.query('DELETE FROM epoch_inputs WHERE epoch < $1', [epoch])).rowCount ?? 0;
    } catch (error) {
      throw this.mapError(error, what);
    }
  }

  async claimUploadNonce(hotkey: string, nonce: string, expiresAt: string, now: string): Promise<boolean> {
    checkNonceKey(hotkey, 'hotkey');
    checkNonceKey(nonce, 'nonce');
    const expires = checkTimestamp(expiresAt, 'expiresAt');
    const at = checkTimestamp(now, 'now');
    // One statement: a live record conflicts and the WHERE keeps it (no row returned); an expired one is replaced.
    const rows = await this.query(
      'recording an upload nonce',
      'INSERT INTO upload_nonces (hotkey, nonce, expires_at) VALUES ($1, $2, $3) ' +
        'ON CONFLICT (hotkey, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE upload_nonces.expires_at <= $4 RETURNING hotkey',
      [hotkey, nonce, expires, at],
    );
    return rows.length === 1;
  }

  async pruneUploadNonces(now: string): Promise<number> {
    const at = checkTimestamp(now, 'now');
    const what = 'pruning expired upload nonces';
    if (this.closed) throw new StoreError(`the store is closed (${what})`);
    try {
      return (await this.pool.query('DELETE FROM upload_nonces WHERE expires_at <= $1', [at])).rowCount ?? 0;
    } catch (error) {
      throw this.mapError(error, what);
    }
  }

  async getState<T = unknown>(key: string): Promise<T | null> {
    checkStateKey(key);
    const [row] = await this.query(`reading state ${key}`, 'SELECT value FROM reconciler_state WHERE key = $1', [key]);
    return row ? (JSON.parse(text(row.value)) as T) : null;
  }

  async putState(key: string, value: unknown): Promise<void> {
    checkStateKey(key);
    const body = toJsonText(value, `state ${key}`);
    await this.query(
      `writing state ${key}`,
      `INSERT INTO reconciler_state (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, body, new Date().toISOString()],
    );
  }

  async deleteState(key: string): Promise<void> {
    checkStateKey(key);
    await this.query(`deleting state ${key}`, 'DELETE FROM reconciler_state WHERE key = $1', [key]);
  }

  async appliedMigrations(): Promise<number[]> {
    const rows = await this.query('reading schema_migrations', 'SELECT version FROM schema_migrations ORDER BY version', []);
    return rows.map((row) => Number(text(row.version)));
  }

  async ping(): Promise<void> {
    await this.query('ping', 'SELECT 1', []);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async oneSnapshot(sql: string, slug: string, epoch: number): Promise<WeightSnapshot | null> {
    const [row] = await this.query(`reading a snapshot of ${slug}`, sql, [slug, epoch]);
    return row ? snapshotFromRow(row) : null;
  }

  private async query(what: string, sql: string, params: unknown[]): Promise<Row[]> {
    if (this.closed) throw new StoreError(`the store is closed (${what})`);
    try {
      return (await this.pool.query<Row>(sql, params)).rows;
    } catch (error) {
      throw this.mapError(error, what);
    }
  }

  /** A checked-out client, guarded: a dead socket while checked out is an error for us, not a process crash. */
  private async withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError(`the store is closed (${what})`);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.mapError(error, what);
    }
    const onError = () => {};
    client.on('error', onError);
    let broken = false;
    try {
      return await fn(client);
    } catch (error) {
      broken = isUnavailable(error);
      throw this.mapError(error, what);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  private async transaction<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(what, async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A dead connection cannot roll back (the server already did); don't wait on it.
        if (!isUnavailable(error)) await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  private async migrate(schema: string | undefined, migrations: readonly Migration[]): Promise<void> {
    await this.withClient('opening the store', async (client) => {
      // Session-level lock: a second process starting at the same time waits here (bounded by statement_timeout),
      // then finds every version already applied. Released explicitly, or by the server if this connection dies.
      await client.query('SELECT pg_advisory_lock($1, hashtext(coalesce($2, current_schema(), \'\')))', [
        MIGRATION_LOCK_CLASS,
        schema ?? null,
      ]);
      try {
        if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(schema)}`);
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version     INTEGER PRIMARY KEY,
          name        TEXT NOT NULL,
          applied_at  TIMESTAMPTZ NOT NULL
        )`);
        const applied = new Set(
          (await client.query<Row>('SELECT version FROM schema_migrations')).rows.map((row) => Number(text(row.version))),
        );
        const newest = Math.max(0, ...applied);
        if (newest > migrations.length) {
          throw new StoreConfigError(
            `the PostgreSQL store has schema version ${newest}, newer than this software knows ` +
              `(${migrations.length}); run a newer version of base against it`,
          );
        }
        for (const migration of migrations) {
          if (applied.has(migration.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.postgres);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [
              migration.version,
              migration.name,
            ]);
            await client.query('COMMIT');
          } catch (error) {
            if (!isUnavailable(error)) await client.query('ROLLBACK').catch(() => {});
            throw new StoreError(`migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
              cause: error,
            });
          }
        }
      } finally {
        await client
          .query('SELECT pg_advisory_unlock($1, hashtext(coalesce($2, current_schema(), \'\')))', [
            MIGRATION_LOCK_CLASS,
            schema ?? null,
          ])
          .catch(() => {});
      }
    });
  }

  /** Typed, password-free errors: unavailability is retryable, the rest is not. */
  private mapError(error: unknown, what: string): Error {
    if (error instanceof StoreError && !(error.cause && isUnavailable(error.cause))) return error;
    const root = error instanceof StoreError && error.cause ? error.cause : error;
    const detail = scrubDatabaseSecrets(describeError(root), this.url);
    const where = `PostgreSQL at ${this.location}`;
    if (isUnavailable(root)) return new StoreUnavailableError(`${what}: ${where} is unavailable (${detail})`);
    const code = (root as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('28') || code === '3D000' || code === '42501')) {
      return new StoreConfigError(`${what}: ${where} refused access (${detail})`);
    }
    if (code === '23505') return new StoreConflictError(`${what}: ${detail}`);
    return new StoreError(`${what}: ${where}: ${detail}`);
  }
}

const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs meaning "the server can't serve now": shutdown, starting up, too many connections, timeouts. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03']);
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|connection terminated|query read timeout|not queryable|connection timeout|ECONNREFUSED|ECONNRESET|terminating connection/i;

function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (error instanceof StoreError) return error.cause !== undefined && isUnavailable(error.cause);
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  if (error instanceof AggregateError && error.errors.some(isUnavailable)) return true;
  return error instanceof Error && UNAVAILABLE_MESSAGES.test(error.message);
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((e) => describeError(e)).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function text(value: string | null | undefined): string {
  if (value === null || value === undefined) throw new StoreError('unexpected NULL in a NOT NULL column');
  return value;
}

function snapshotFromRow(row: Row): WeightSnapshot {
  return {
    slug: text(row.slug),
    epoch: Number(text(row.epoch)),
    fetchedAt: text(row.fetched_at),
    digest: text(row.digest),
    hotkeyCount: Number(text(row.hotkey_count)),
    weights: JSON.parse(text(row.weights)) as WeightSnapshot['weights'],
  };
}

function vectorFromRow<Doc>(row: Row): SealedVector<Doc> {
  return {
    epoch: Number(text(row.epoch)),
    digest: text(row.digest),
    document: JSON.parse(text(row.document)) as Doc,
    sealedAt: text(row.sealed_at),
  };
}
