import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acquireApplyLock, breakApplyLock, LockBusyError, lockPath, readLockHolder } from '../index.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'base-lock-test-'));
}

test('a second acquirer is refused after its timeout, with the holder named', async () => {
  const dir = await tempDir();
  try {
    const first = await acquireApplyLock(dir, { timeoutMs: 0, command: 'base apply first.yaml' });
    const started = Date.now();
    await assert.rejects(acquireApplyLock(dir, { timeoutMs: 300, command: 'base apply second.yaml' }), (error: unknown) => {
      assert.ok(error instanceof LockBusyError);
      assert.match(error.message, new RegExp(`pid ${process.pid} on host ${os.hostname()}`));
      assert.match(error.message, /base apply first\.yaml/);
      assert.equal(error.stale, false);
      return true;
    });
    assert.ok(Date.now() - started >= 290, 'it waited for the lock timeout');
    await first.release();
    const second = await acquireApplyLock(dir, { timeoutMs: 0 });
    await second.release();
    assert.equal(await readLockHolder(dir), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a waiting acquirer gets the lock when the holder releases it, and critical sections never overlap', async () => {
  const dir = await tempDir();
  try {
    const events: string[] = [];
    const worker = async (name: string): Promise<void> => {
      const lock = await acquireApplyLock(dir, { timeoutMs: 5_000, pollMs: 20 });
      events.push(`${name}:in`);
      await new Promise((r) => setTimeout(r, 100));
      events.push(`${name}:out`);
      await lock.release();
    };
    await Promise.all([worker('a'), worker('b'), worker('c')]);
    for (let i = 0; i < events.length; i += 2) {
      assert.equal(events[i]!.split(':')[0], events[i + 1]!.split(':')[0], `interleaved: ${events.join(' ')}`);
    }
    assert.equal(events.length, 6);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock whose holder process died is stale: refused with advice, broken only with breakStale', async () => {
  const dir = await tempDir();
  try {
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    await writeFile(
      lockPath(dir),
      JSON.stringify({ host: os.hostname(), pid: deadPid, started_at: new Date().toISOString(), command: 'base apply x', nonce: 'n1' }),
    );
    await assert.rejects(acquireApplyLock(dir, { timeoutMs: 0 }), /stale \(pid \d+ no longer runs.*--break-lock/);
    const lock = await acquireApplyLock(dir, { timeoutMs: 0, breakStale: true });
    assert.equal((await readLockHolder(dir))?.holder.pid, process.pid);
    await lock.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a live holder on another host is stale only once its heartbeat is older than the TTL', async () => {
  const dir = await tempDir();
  try {
    await writeFile(
      lockPath(dir),
      JSON.stringify({ host: 'elsewhere', pid: 1, started_at: new Date().toISOString(), command: 'base apply', nonce: 'n2' }),
    );
    await assert.rejects(breakApplyLock(dir), /not stale/);
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(lockPath(dir), old, old);
    const broken = await breakApplyLock(dir);
    assert.equal(broken?.host, 'elsewhere');
    assert.equal(await readLockHolder(dir), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
