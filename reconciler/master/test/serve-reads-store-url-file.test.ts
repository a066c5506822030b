/** `base serve` takes the store URL from the file BASE_DATABASE_URL_FILE names (the mounted Swarm secret). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { randomHotkey } from '../../weights/collect/test/challenge-server.ts';
import { send } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function fixture(dir: string): Promise<{ desired: string; keyFile: string; tokensDir: string }> {
  const desired = path.join(dir, 'subnet.yaml');
  await writeFile(
    desired,
    stringify({
      version: 1,
      subnet: { name: 'serve', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
      master: { image: '127.0.0.1:5000/base/master:latest' },
      networks: [{ name: 'serve-net', encrypted: true }],
      challenges: [],
      development_metagraph: { [randomHotkey()]: 1 },
    }),
  );
  const keyFile = path.join(dir, 'signing.seed');
  await writeFile(keyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
  const tokensDir = path.join(dir, 'tokens');
  await mkdir(tokensDir, { mode: 0o700 });
  return { desired, keyFile, tokensDir };
}

test('base serve opens the store named in BASE_DATABASE_URL_FILE and runs the weights loop on it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-serve-urlfile-'));
  const port = await freePort();
  try {
    const { desired, keyFile, tokensDir } = await fixture(dir);
    const storePath = path.join(dir, 'from-secret-file.sqlite3');
    const urlFile = path.join(dir, 'database_url');
    await writeFile(urlFile, `sqlite://${storePath}\n`, { mode: 0o400 });
    const child = execa(
      process.execPath,
      [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--desired', desired,
        '--upstream', 'alpha=http://127.0.0.1:1', '--signing-key-file', keyFile, '--tokens-dir', tokensDir, '--no-docker'],
      { cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '', BASE_DATABASE_URL_FILE: urlFile }, extendEnv: false },
    );
    let health: { status: number; body: string } | null = null;
    for (let i = 0; i < 200; i++) {
      health = await send(port, '/health').catch(() => null);
      if (health?.status === 200 && (JSON.parse(health.body) as { weights_loop: { state: string } | null }).weights_loop?.state === 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const body = JSON.parse(health?.body ?? '{}') as { store: { configured: boolean }; weights_loop: { state: string } | null };
    assert.equal(body.weights_loop?.state, 'running', health?.body);
    assert.equal(body.store.configured, true);
    assert.ok(existsSync(storePath), 'the SQLite store named in the file was created');
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(result.stdout.includes('"msg":"weights-loop-started"'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('base serve refuses to start on an empty URL file or with both variables set, naming the file, never the URL', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-serve-urlfile-bad-'));
  try {
    const { desired } = await fixture(dir);
    const empty = path.join(dir, 'empty_url');
    await writeFile(empty, '\n');
    const secretUrl = 'postgres://base:serve-pw-77c1@db.internal/control';
    const full = path.join(dir, 'full_url');
    await writeFile(full, secretUrl);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ BASE_DATABASE_URL_FILE: empty }, new RegExp(`the store URL file ${empty} is empty`)],
      [{ BASE_DATABASE_URL_FILE: path.join(dir, 'missing') }, /cannot read the store URL file .*missing \(ENOENT\)/],
      [{ BASE_DATABASE_URL_FILE: full, BASE_DATABASE_URL: secretUrl }, /both BASE_DATABASE_URL and BASE_DATABASE_URL_FILE are set/],
    ];
    for (const [env, message] of cases) {
      const result = await execa(
        process.execPath,
        [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(await freePort()), '--desired', desired, '--no-docker'],
        { cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '', ...env }, extendEnv: false, timeout: 20_000 },
      );
      assert.notEqual(result.exitCode, 0, result.stdout);
      assert.match(result.stderr, message);
      assert.ok(!`${result.stdout}${result.stderr}`.includes('serve-pw-77c1'), 'the URL is never printed');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
