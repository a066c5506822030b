/**
 * Versioned migrations, the same logical steps for both backends (SQL adapted per dialect). Append only: a released
 * migration is never edited; a change is a new version. Each one runs once, in a transaction, recorded in
 * `schema_migrations`.
 *
 * Type choices that keep values identical across backends:
 * - timestamps: PostgreSQL `timestamptz`; SQLite `TEXT` holding `toISOString()` (sorts chronologically);
 * - JSON payloads: PostgreSQL `json` (not `jsonb`: `json` keeps the text as written, so key order, which is the
 *   hotkeys' first-seen order, and number spelling survive); SQLite `TEXT`;
 * - epochs: `BIGINT` / `INTEGER`; durations: `DOUBLE PRECISION` / `REAL` (IEEE doubles on both).
 */

export interface Migration {
  version: number;
  name: string;
  postgres: string;
  sqlite: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'apply records, weight snapshots, sealed vectors, reconciler state',
    postgres: `
      CREATE TABLE applies (
        seq          BIGSERIAL PRIMARY KEY,
        id           TEXT NOT NULL UNIQUE,
        revision     TEXT,
        plan_hash    TEXT NOT NULL,
        started_at   TIMESTAMPTZ NOT NULL,
        finished_at  TIMESTAMPTZ NOT NULL,
        outcome      TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'partial')),
        duration_ms  DOUBLE PRECISION NOT NULL
      );
      CREATE INDEX applies_newest ON applies (finished_at DESC, seq DESC);

      CREATE TABLE apply_objects (
        apply_seq    BIGINT NOT NULL REFERENCES applies (seq) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        kind         TEXT NOT NULL,
        name         TEXT NOT NULL,
        action       TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        duration_ms  DOUBLE PRECISION NOT NULL,
        error        TEXT,
        detail       TEXT,
        PRIMARY KEY (apply_seq, position)
      );

      CREATE TABLE weight_snapshots (
        slug          TEXT NOT NULL,
        epoch         BIGINT NOT NULL CHECK (epoch >= 0),
        fetched_at    TIMESTAMPTZ NOT NULL,
        digest        TEXT NOT NULL,
        hotkey_count  INTEGER NOT NULL,
        weights       JSON NOT NULL,
        PRIMARY KEY (slug, epoch)
      );

      CREATE TABLE sealed_vectors (
        epoch      BIGINT PRIMARY KEY CHECK (epoch >= 0),
        digest     TEXT NOT NULL,
        document   JSON NOT NULL,
        sealed_at  TIMESTAMPTZ NOT NULL
      );

      CREATE TABLE reconciler_state (
        key         TEXT PRIMARY KEY,
        value       JSON NOT NULL,
        updated_at  TIMESTAMPTZ NOT NULL
      );
    `,
    sqlite: `
      CREATE TABLE applies (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT NOT NULL UNIQUE,
        revision     TEXT,
        plan_hash    TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT NOT NULL,
        outcome      TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'partial')),
        duration_ms  REAL NOT NULL
      ) STRICT;
      CREATE INDEX applies_newest ON applies (finished_at DESC, seq DESC);

      CREATE TABLE apply_objects (
        apply_seq    INTEGER NOT NULL REFERENCES applies (seq) ON DELETE CASCADE,
        position     INTEGER NOT NULL,
        kind         TEXT NOT NULL,
        name         TEXT NOT NULL,
        action       TEXT NOT NULL,
        outcome      TEXT NOT NULL,
        duration_ms  REAL NOT NULL,
        error        TEXT,
        detail       TEXT,
        PRIMARY KEY (apply_seq, position)
      ) STRICT;

      CREATE TABLE weight_snapshots (
        slug          TEXT NOT NULL,
        epoch         INTEGER NOT NULL CHECK (epoch >= 0),
        fetched_at    TEXT NOT NULL,
        digest        TEXT NOT NULL,
        hotkey_count  INTEGER NOT NULL,
        weights       TEXT NOT NULL,
        PRIMARY KEY (slug, epoch)
      ) STRICT;

      CREATE TABLE sealed_vectors (
        epoch      INTEGER PRIMARY KEY CHECK (epoch >= 0),
        digest     TEXT NOT NULL,
        document   TEXT NOT NULL,
        sealed_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE reconciler_state (
        key         TEXT PRIMARY KEY,
        value       TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // Self-contained (one table, nothing else touched) so that it can be renumbered when merged beside others.
    version: 2,
    name: 'published epoch inputs (raw answers, metagraph, aggregation parameters) per sealed epoch',
    postgres: `
      CREATE TABLE epoch_inputs (
        epoch      BIGINT PRIMARY KEY CHECK (epoch >= 0),
        document   JSON NOT NULL,
        stored_at  TIMESTAMPTZ NOT NULL
      );
    `,
    sqlite: `
      CREATE TABLE epoch_inputs (
        epoch      INTEGER PRIMARY KEY CHECK (epoch >= 0),
        document   TEXT NOT NULL,
        stored_at  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // Self-contained (one table, nothing else touched) so that it can be renumbered when merged beside others.
    version: 3,
    name: 'signed upload nonces (replay protection that survives a master restart)',
    postgres: `
      CREATE TABLE upload_nonces (
        hotkey      TEXT NOT NULL,
        nonce       TEXT NOT NULL,
        expires_at  TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (hotkey, nonce)
      );
      CREATE INDEX upload_nonces_expiry ON upload_nonces (expires_at);
    `,
    sqlite: `
      CREATE TABLE upload_nonces (
        hotkey      TEXT NOT NULL,
        nonce       TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        PRIMARY KEY (hotkey, nonce)
      ) STRICT;
      CREATE INDEX upload_nonces_expiry ON upload_nonces (expires_at);
    `,
  },
];

/** Checked at load so a bad edit fails every test at once. */
function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migrations.ts: migration #${index} has version ${migration.version}, expected ${index + 1}`);
    }
  });
}
assertOrdered(MIGRATIONS);

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
