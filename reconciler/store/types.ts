/**
 * The control-plane store: one interface, two implementations (PostgreSQL for production, embedded SQLite for
 * development). Every method is async on both so callers never depend on which one they got.
 *
 * Conventions shared by both backends:
 * - timestamps are ISO-8601 strings in UTC with millisecond precision (`Date#toISOString()`); inputs are
 *   normalized to that form, so what you read back is exactly `new Date(input).toISOString()`;
 * - epochs are non-negative safe integers (`Number.isSafeInteger`);
 * - JSON payloads round-trip byte-for-byte as `JSON.stringify` wrote them (key order kept, numbers exact).
 */

export type StoreBackend = 'postgres' | 'sqlite';

export type ApplyOutcome = 'succeeded' | 'failed' | 'partial';

/** One object touched (or checked) by an apply. Kinds/actions are the plan model's strings (network, create, ...). */
export interface ApplyObjectOutcome {
  kind: string;
  name: string;
  /** create | update | delete | no-op, as in the plan model. */
  action: string;
  /** succeeded | failed | skipped | rolled-back, ...: free text so the executor owns its vocabulary. */
  outcome: string;
  durationMs: number;
  error: string | null;
  /** What was observed at the end, e.g. "1/1 tasks running". */
  detail: string | null;
}

/** As recorded: `detail` may be left out (stored as null). */
export type ApplyObjectOutcomeInput = Omit<ApplyObjectOutcome, 'detail'> & { detail?: string | null };

export interface ApplyRecordInput {
  /** Caller-chosen id (e.g. a UUID); generated when absent. Recording the same id twice is refused. */
  id?: string;
  /** Desired-state Git revision, null when the file is not in Git. */
  revision: string | null;
  planHash: string;
  startedAt: string;
  finishedAt: string;
  outcome: ApplyOutcome;
  /** In execution order; the order is kept. */
  objects: readonly ApplyObjectOutcomeInput[];
  durationMs: number;
}

export interface ApplyRecord {
  id: string;
  revision: string | null;
  planHash: string;
  startedAt: string;
  finishedAt: string;
  outcome: ApplyOutcome;
  objects: ApplyObjectOutcome[];
  durationMs: number;
}

export type { RawWeights } from '../weights/snapshot-digest.ts';
import type { RawWeights } from '../weights/snapshot-digest.ts';

export interface SnapshotInput {
  slug: string;
  epoch: number;
  fetchedAt: string;
  weights: Readonly<Record<string, number | null>>;
}

export interface WeightSnapshot {
  slug: string;
  epoch: number;
  fetchedAt: string;
  /** SHA-256 (hex) of the canonical JSON of `weights` (see `snapshotDigest`). */
  digest: string;
  hotkeyCount: number;
  weights: RawWeights;
}

/**
 * `inserted`: stored now. `unchanged`: the same body (same digest) was already stored for that (slug, epoch).
 * `conflict`: a different body was already stored; the first one is kept (an epoch's input never changes once
 * recorded, so a vector sealed from it stays reproducible) and returned in `snapshot`.
 */
export interface PutSnapshotResult {
  status: 'inserted' | 'unchanged' | 'conflict';
  snapshot: WeightSnapshot;
  /** Digest of the body that was offered (differs from `snapshot.digest` only on conflict). */
  offeredDigest: string;
}

export interface SealedVector<Doc = unknown> {
  epoch: number;
  digest: string;
  document: Doc;
  sealedAt: string;
}

export interface SealResult<Doc = unknown> {
  /** False when the same epoch was already sealed with the same digest (a no-op). */
  created: boolean;
  vector: SealedVector<Doc>;
}

export interface ControlPlaneStore {
  readonly backend: StoreBackend;
  /** Where the store lives, safe to print (password redacted). */
  readonly location: string;

  recordApply(record: ApplyRecordInput): Promise<ApplyRecord>;
  /** Newest first (by finishedAt, then insertion order). */
  listApplies(limit?: number): Promise<ApplyRecord[]>;
  latestApply(): Promise<ApplyRecord | null>;

  putSnapshot(input: SnapshotInput): Promise<PutSnapshotResult>;
  getSnapshot(slug: string, epoch: number): Promise<WeightSnapshot | null>;
  /** Newest snapshot of `slug` with epoch strictly below `epoch`. */
  latestSnapshotBefore(slug: string, epoch: number): Promise<WeightSnapshot | null>;
  /** Newest snapshot of `slug` with epoch at or below `atOrBefore` (snapshots are only stored for good answers). */
  latestGoodSnapshot(slug: string, atOrBefore: number): Promise<WeightSnapshot | null>;
  /**
   * Deletes every challenge's snapshots with epoch strictly below `epoch`; returns how many. Raw snapshots are
   * large (a challenge's whole map per epoch) and only recent ones are needed for carry-forward; the sealed vector
   * keeps each source's snapshot digest for provenance.
   */
  pruneSnapshotsBefore(epoch: number): Promise<number>;

  /**
   * Insert-once per epoch. Same epoch + same digest: no-op, returns the stored vector (`created: false`).
   * Same epoch + different digest: rejects with `VectorSealConflictError`; the stored vector is untouched.
   */
  sealVector<Doc>(epoch: number, digest: string, document: Doc): Promise<SealResult<Doc>>;
  latestVector<Doc = unknown>(): Promise<SealedVector<Doc> | null>;
  vectorAt<Doc = unknown>(epoch: number): Promise<SealedVector<Doc> | null>;
  /** Up to `limit` sealed vectors, newest epoch first; with `before`, only epochs strictly below it (paging). */
  listVectors<Doc = unknown>(limit: number, before?: number): Promise<SealedVector<Doc>[]>;

  /** The newest sealed vector with epoch strictly below `epoch` (the previous link of the hash chain). */
  vectorBefore<Doc = unknown>(epoch: number): Promise<SealedVector<Doc> | null>;

  /**
   * The published inputs of an epoch (what the aggregation consumed), insert-once like the vector: a second,
   * different document for the same epoch is not stored (`created: false`) and the first one stays.
   */
  putEpochInputs(epoch: number, document: unknown): Promise<{ created: boolean }>;
  epochInputsAt<Doc = unknown>(epoch: number): Promise<Doc | null>;
  /** Deletes the inputs of epochs strictly below `epoch`; returns how many. */
  pruneEpochInputsBefore(epoch: number): Promise<number>;

  /**
   * Records a signed upload's nonce for `hotkey` until `expiresAt`, atomically. true: first use, now recorded;
   * false: the same (hotkey, nonce) is recorded and not expired at `now` (a replay; nothing changes). A record
   * expired at `now` is replaced, so a nonce is refused exactly while its record lives, across restarts.
   */
  claimUploadNonce(hotkey: string, nonce: string, expiresAt: string, now: string): Promise<boolean>;
  /** Deletes the nonce records expired at `now` (expires_at <= now); returns how many. */
  pruneUploadNonces(now: string): Promise<number>;

  /** Small JSON key-value for reconciler state (e.g. the last plan). */
  getState<T = unknown>(key: string): Promise<T | null>;
  putState(key: string, value: unknown): Promise<void>;
  deleteState(key: string): Promise<void>;

  /** Versions of the migrations applied, ascending. */
  appliedMigrations(): Promise<number[]>;
  /** Resolves when the store answers a trivial query; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
