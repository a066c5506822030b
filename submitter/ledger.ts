import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** How a submission of one digest ended; `sending` is written before anything leaves the process. */
export type LedgerState = 'sending' | 'included' | 'failed' | 'rejected_by_pool' | 'dropped' | 'unknown';

export interface LedgerEntry {
  digest: string;
  netuid: number;
  epoch: number;
  hotkey: string;
  /** Of the extrinsic that was sent: set_weights, or the commit on a commit-reveal subnet. */
  state: LedgerState;
  started_at: string;
  finished_at: string | null;
  block_number: number | null;
  block_hash: string | null;
  error: string | null;
  /** Present when the digest was committed (commit-reveal on) instead of set. */
  commit?: CommitRecord;
}

/** What the reveal of a commit came to; `sending` is written before a reveal_weights is signed. */
export type RevealState = 'pending' | 'sending' | 'revealed' | 'dropped';

/** A commit and what became of it. */
export interface CommitRecord {
  mode: 'timelocked' | 'hash';
  /** blake2_256 of the ciphertext (timelocked), or the hash committed (hash), 0x-hex. */
  commit_hash: string;
  /** NetUidStorageIndex the chain files the commit under (the netuid, for mechanism 0). */
  netuid_index: number;
  /** The u16 vector committed (public once revealed). */
  uids: number[];
  values: number[];
  version_key: string;
  /** Hash mode: the salt, secret until the reveal, removed from the ledger once the commit is settled. */
  salt?: number[];
  /** Timelocked: the drand round the weights are encrypted to. */
  reveal_round?: string;
  /** The block the commit landed in (null until known). */
  commit_block: number | null;
  commit_epoch: number | null;
  reveal_window: { first_block: number; last_block: number };
  reveal: {
    state: RevealState;
    /** Timelocked: blocks of the window already read for events. */
    scanned_through: number | null;
    block_number: number | null;
    block_hash: string | null;
    /** Why it was dropped, or the last refusal of a reveal. */
    reason: string | null;
    updated_at: string | null;
  };
}

interface LedgerDocument {
  format_version: 1;
  entries: LedgerEntry[];
  rejections: { consecutive: number; next_attempt_after: string | null };
}

/** Only the newest entries are kept; a digest older than this many submissions can no longer be served as fresh. */
const MAX_ENTRIES = 1000;
export const LEDGER_FILE = 'ledger.json';

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/**
 * The submitter's memory across restarts: which digests were sent (so none is sent twice) and the rejection
 * backoff. Every change is written to a temporary file, fsynced and renamed over `ledger.json`, so a crash
 * leaves either the old or the new ledger, never half of one. A submission is recorded as `sending` BEFORE it is
 * signed and sent: a crash between sending and recording the outcome cannot lead to a second submission.
 */
export class Ledger {
  readonly #file: string;
  readonly #readOnly: boolean;
  #doc: LedgerDocument;

  private constructor(file: string, doc: LedgerDocument, readOnly = false) {
    this.#file = file;
    this.#doc = doc;
    this.#readOnly = readOnly;
  }

  /** For --dry-run: the ledger as it is (empty when there is none yet); any write throws. */
  static openReadOnly(stateDir: string): Ledger {
    const file = path.join(stateDir, LEDGER_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Ledger(file, emptyDocument(), true);
      throw new LedgerError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return new Ledger(file, parseDocument(text, file), true);
  }

  static open(stateDir: string): Ledger {
    try {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new LedgerError(`state_dir ${stateDir}: cannot create (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const file = path.join(stateDir, LEDGER_FILE);
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new LedgerError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
    }
    const ledger = new Ledger(file, text === undefined ? emptyDocument() : parseDocument(text, file));
    if (text === undefined) ledger.#write(); // fail now, not at the first submission, if the folder is not writable
    return ledger;
  }

  get file(): string {
    return this.#file;
  }

  /** The entry for this digest from this hotkey on this netuid, if it was ever sent (or about to be). */
  find(digest: string, netuid: number, hotkey: string): LedgerEntry | undefined {
    return this.#doc.entries.find((e) => e.digest === digest && e.netuid === netuid && e.hotkey === hotkey);
  }

  entries(): readonly LedgerEntry[] {
    return this.#doc.entries;
  }

  /** Commits whose reveal is not settled yet (revealed or dropped), oldest first. */
  openCommits(netuid: number, hotkey: string): LedgerEntry[] {
    return this.#doc.entries.filter(
      (e) => e.netuid === netuid && e.hotkey === hotkey && e.commit && (e.commit.reveal.state === 'pending' || e.commit.reveal.state === 'sending'),
    );
  }

  /** Changes a commit's record (durably); the salt is dropped once the reveal is settled. */
  updateCommit(key: { digest: string; netuid: number; hotkey: string }, change: (commit: CommitRecord, entry: LedgerEntry) => void, now: Date): void {
    const entry = this.find(key.digest, key.netuid, key.hotkey);
    if (!entry?.commit) throw new LedgerError(`digest ${key.digest} has no commit in the ledger`);
    change(entry.commit, entry);
    entry.commit.reveal.updated_at = now.toISOString();
    if (entry.commit.reveal.state === 'revealed' || entry.commit.reveal.state === 'dropped') delete entry.commit.salt;
    this.#write();
  }

  /** Write-ahead record: must be durable before the extrinsic is signed and sent. */
  beginSubmission(entry: { digest: string; netuid: number; epoch: number; hotkey: string; commit?: CommitRecord }, now: Date): void {
    if (this.find(entry.digest, entry.netuid, entry.hotkey)) {
      throw new LedgerError(`digest ${entry.digest} is already in the ledger; it must not be submitted again`);
    }
    this.#doc.entries.push({
      ...entry,
      state: 'sending',
      started_at: now.toISOString(),
      finished_at: null,
      block_number: null,
      block_hash: null,
      error: null,
    });
    if (this.#doc.entries.length > MAX_ENTRIES) this.#doc.entries.splice(0, this.#doc.entries.length - MAX_ENTRIES);
    this.#write();
  }

  /**
   * Records how the submission ended and updates the rejection backoff: a refusal by the chain doubles the wait
   * before the next submission (from `initialMs`, capped at `maxMs`); an inclusion resets it.
   */
  finishSubmission(
    key: { digest: string; netuid: number; hotkey: string },
    result: { state: Exclude<LedgerState, 'sending'>; blockNumber?: number; blockHash?: string; error?: string },
    now: Date,
    backoff: { initialMs: number; maxMs: number },
  ): void {
    const entry = this.find(key.digest, key.netuid, key.hotkey);
    if (!entry) throw new LedgerError(`digest ${key.digest} was never begun in the ledger`);
    entry.state = result.state;
    entry.finished_at = now.toISOString();
    entry.block_number = result.blockNumber ?? null;
    entry.block_hash = result.blockHash ?? null;
    entry.error = result.error ?? null;
    if (result.state === 'included') {
      this.#doc.rejections = { consecutive: 0, next_attempt_after: null };
    } else if (result.state === 'failed' || result.state === 'rejected_by_pool' || result.state === 'dropped') {
      const consecutive = this.#doc.rejections.consecutive + 1;
      const waitMs = Math.min(backoff.initialMs * 2 ** (consecutive - 1), backoff.maxMs);
      this.#doc.rejections = { consecutive, next_attempt_after: new Date(now.getTime() + waitMs).toISOString() };
    }
    this.#write();
  }

  /** When the rejection backoff ends (null when none is running). */
  backoffUntil(now: Date): Date | null {
    const until = this.#doc.rejections.next_attempt_after;
    if (until === null) return null;
    const at = new Date(until);
    return at.getTime() > now.getTime() ? at : null;
  }

  consecutiveRejections(): number {
    return this.#doc.rejections.consecutive;
  }

  #write(): void {
    if (this.#readOnly) throw new LedgerError(`${this.#file}: opened read-only (dry run); refusing to write`);
    const tmp = `${this.#file}.${process.pid}.tmp`;
    try {
      // Owner-only whatever the umask: a hash commit's salt is in here until its reveal.
      const fd = openSync(tmp, 'w', 0o600);
      try {
        fchmodSync(fd, 0o600);
        writeSync(fd, `${JSON.stringify(this.#doc, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.#file);
      syncDirectory(path.dirname(this.#file));
    } catch (error) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
      throw new LedgerError(`${this.#file}: cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function emptyDocument(): LedgerDocument {
  return { format_version: 1, entries: [], rejections: { consecutive: 0, next_attempt_after: null } };
}

function parseDocument(text: string, file: string): LedgerDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new LedgerError(`${file}: not JSON; refusing to start without knowing what was already submitted (move it aside to start afresh)`);
  }
  const d = doc as Partial<LedgerDocument> | null;
  if (!d || d.format_version !== 1 || !Array.isArray(d.entries) || typeof d.rejections !== 'object' || d.rejections === null) {
    throw new LedgerError(`${file}: not a submitter ledger (format_version 1 with entries and rejections expected)`);
  }
  return d as LedgerDocument;
}

/**
 * One submitter per state folder: a second one would not see the first one's write-ahead records in time.
 * Returns a release function; a lock left by a dead process is taken over.
 */
export function acquireStateLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(stateDir, 'submitter.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          unlinkSync(lockFile);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LedgerError(`${lockFile}: cannot create (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new LedgerError(`another submitter (pid ${holder}) is using state_dir ${stateDir}; run one submitter per state folder`);
      }
      unlinkSync(lockFile); // stale: its process is gone
    }
  }
  throw new LedgerError(`${lockFile}: could not take the lock`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
