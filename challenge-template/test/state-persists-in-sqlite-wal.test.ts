import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChallenge } from '../src/service.ts';
import { ChallengeStore } from '../src/store.ts';
import { ALICE, postJson } from './support.ts';

test('the store creates its folder and schema at start and runs in WAL mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'challenge-store-'));
  try {
    const path = join(dir, 'nested', 'challenge.sqlite3');
    const store = new ChallengeStore(path);
    assert.equal(store.journalMode(), 'wal');
    store.close();
    const raw = new Database(path, { readonly: true });
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'submissions'").all();
    raw.close();
    assert.equal(tables.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('submissions survive a graceful restart on the same file; stop closes the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'challenge-restart-'));
  const config = { slug: 'example-challenge', port: 0, host: '127.0.0.1', databasePath: join(dir, 'c.sqlite3'), tokenFile: null, epochSeconds: 360, shutdownGraceMs: 500 };
  try {
    const first = await startChallenge(config);
    const url = `http://127.0.0.1:${first.address.port}`;
    assert.equal((await postJson(`${url}/submissions`, { hotkey: ALICE, answer: 5 })).status, 201);
    await first.stop();
    assert.equal(first.store.db.open, false);
    assert.equal(first.server.listening, false);
    // The WAL was checkpointed into the main file on close.
    assert.equal(existsSync(`${config.databasePath}-wal`), false);

    const second = await startChallenge(config);
    try {
      assert.equal(second.store.submissionsOf(ALICE), 1);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
