/**
 * The apply lock: two `base apply` (or reconcile passes) never interleave.
 *
 * It is a file created with O_EXCL semantics (link(2) of a fully written temp file) in the reconciler's state
 * folder, not an object in the Swarm. Why: the state folder already is the single home of the reconciler (it holds
 * the challenge tokens; an apply from another host with another state folder would mint other tokens and is wrong
 * anyway), so a lock next to the tokens protects exactly what must be protected; and it costs no Swarm write, so a
 * no-op apply really makes zero Docker API write calls. The holder (host, pid, started-at, command) is the file's
 * content; the holder touches the file every few seconds (heartbeat), so a lock whose holder died is recognisable:
 * its pid no longer runs on this host, or its heartbeat is older than the TTL. Such a stale lock is only broken
 * when asked (`--break-lock`).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants, readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE = 'apply.lock';
export const DEFAULT_LOCK_TTL_MS = 5 * 60_000;
const HEARTBEAT_MS = 10_000;

export interface LockHolder {
  host: string;
  pid: number;
  started_at: string;
  command: string;
  nonce: string;
}

export interface HeldLock {
  holder: LockHolder;
  file: string;
  release(): Promise<void>;
  /** For process 'exit' handlers, where nothing asynchronous runs any more. */
  releaseSync(): void;
}

export interface AcquireOptions {
  /** How long to wait for a busy lock before refusing (0 = refuse at once). */
  timeoutMs: number;
  /** Break the lock if its holder is stale (dead pid on this host or no heartbeat within the TTL). */
  breakStale?: boolean;
  ttlMs?: number;
  command?: string;
  pollMs?: number;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder) => void;
}

export class LockBusyError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | null,
    readonly stale: boolean,
  ) {
    super(message);
    this.name = 'LockBusyError';
  }
}

export function lockPath(stateDir: string): string {
  return path.join(stateDir, LOCK_FILE);
}

export async function readLockHolder(stateDir: string): Promise<{ holder: LockHolder; heartbeatAt: Date } | null> {
  const file = lockPath(stateDir);
  try {
    const [text, info] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    return { holder: JSON.parse(text) as LockHolder, heartbeatAt: info.mtime };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (error instanceof SyntaxError) {
      // A torn write cannot happen (link of a complete file), so this is someone's hand-made file.
      return { holder: { host: '?', pid: 0, started_at: '?', command: `unreadable lock file ${file}`, nonce: '' }, heartbeatAt: new Date(0) };
    }
    throw error;
  }
}

/** Why a holder is stale, or null when it may still be working. */
export function staleReason(holder: LockHolder, heartbeatAt: Date, ttlMs = DEFAULT_LOCK_TTL_MS): string | null {
  if (holder.host === os.hostname() && holder.pid > 0 && !processRuns(holder.pid)) {
    return `pid ${holder.pid} no longer runs on ${holder.host}`;
  }
  const silentMs = Date.now() - heartbeatAt.getTime();
  if (silentMs > ttlMs) return `no heartbeat for ${Math.round(silentMs / 1000)}s (TTL ${Math.round(ttlMs / 1000)}s)`;
  return null;
}

export function describeHolder(holder: LockHolder): string {
  const since = Date.parse(holder.started_at);
  const age = Number.isFinite(since) ? ` (${Math.round((Date.now() - since) / 1000)}s ago)` : '';
  return `pid ${holder.pid} on host ${holder.host}, started ${holder.started_at}${age}, command: ${holder.command}`;
}

export async function acquireApplyLock(stateDir: string, options: AcquireOptions): Promise<HeldLock> {
  const file = lockPath(stateDir);
  const ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
  const holder: LockHolder = {
    host: os.hostname(),
    pid: process.pid,
    started_at: new Date().toISOString(),
    command: options.command ?? process.argv.slice(1).join(' '),
    nonce: randomBytes(8).toString('hex'),
  };
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + options.timeoutMs;
  let announced = false;
  for (;;) {
    if (await tryCreate(file, holder)) return hold(file, holder);
    const current = await readLockHolder(stateDir);
    if (current === null) continue; // released between our attempt and the read
    const stale = staleReason(current.holder, current.heartbeatAt, ttlMs);
    if (stale && options.breakStale) {
      await breakLockFile(file, current.holder);
      continue;
    }
    if (Date.now() >= deadline) {
      const advice = stale
        ? `the lock looks stale (${stale}); run again with --break-lock to break it`
        : `wait for it to finish, or raise --lock-timeout`;
      throw new LockBusyError(`another apply holds the lock ${file}: ${describeHolder(current.holder)}; ${advice}`, current.holder, stale !== null);
    }
    if (!announced) {
      announced = true;
      options.onWait?.(current.holder);
    }
    await sleep(Math.min(options.pollMs ?? 250, Math.max(10, deadline - Date.now())));
  }
}

/** Breaks the lock if it is stale (or always with force). Returns the broken holder, or null if there was none. */
export async function breakApplyLock(stateDir: string, options: { force?: boolean; ttlMs?: number } = {}): Promise<LockHolder | null> {
  const current = await readLockHolder(stateDir);
  if (current === null) return null;
  const stale = staleReason(current.holder, current.heartbeatAt, options.ttlMs);
  if (!stale && !options.force) {
    throw new LockBusyError(`the lock is held and not stale: ${describeHolder(current.holder)}; refusing to break it`, current.holder, false);
  }
  await breakLockFile(lockPath(stateDir), current.holder);
  return current.holder;
}

async function tryCreate(file: string, holder: LockHolder): Promise<boolean> {
  const temp = `${file}.${holder.pid}.${holder.nonce}.tmp`;
  const handle = await fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    await handle.writeFile(JSON.stringify(holder));
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
}

/** Removes the lock only if it still belongs to `holder` (rename first, so we never remove a newer holder's lock). */
async function breakLockFile(file: string, holder: LockHolder): Promise<void> {
  const aside = `${file}.broken.${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = JSON.parse(await fs.readFile(aside, 'utf8').catch(() => '{}')) as Partial<LockHolder>;
  if (moved.nonce !== holder.nonce) {
    // A new holder took it between our read and the rename: put it back.
    await fs.link(aside, file).catch(() => undefined);
  }
  await fs.unlink(aside).catch(() => undefined);
}

function hold(file: string, holder: LockHolder): HeldLock {
  const timer = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  let released = false;
  return {
    holder,
    file,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const current = await fs.readFile(file, 'utf8').catch(() => null);
      if (current !== null && (JSON.parse(current) as LockHolder).nonce === holder.nonce) await fs.unlink(file).catch(() => undefined);
    },
    releaseSync() {
      if (released) return;
      released = true;
      clearInterval(timer);
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as LockHolder).nonce === holder.nonce) unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
