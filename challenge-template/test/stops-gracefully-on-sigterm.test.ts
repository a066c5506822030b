import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');

test('the service started from main.ts logs where it listens, and exits 0 on SIGTERM after closing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'challenge-main-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', CHALLENGE_DATABASE_URL: `sqlite+aiosqlite:///${dir}/c.sqlite3`, BASE_CHALLENGE_SLUG: 'sig-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const listening = await new Promise<{ port: number; journal_mode: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line in 20 s: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const line = out.split('\n').find((l) => l.includes('"listening"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      });
    });
    assert.equal(listening.journal_mode, 'wal');
    const health = (await (await fetch(`http://127.0.0.1:${listening.port}/health`)).json()) as { slug: string };
    assert.equal(health.slug, 'sig-test');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0, out);
    assert.match(out, /"msg":"stopped"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
