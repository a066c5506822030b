import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { randomHotkey, startChallengeServer, type TestChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import { verifyVector } from '../../weights/seal.ts';
import { loadSigningKey } from '../../weights/signing-key.ts';
import { send } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('base serve with a tokens directory and a signing key runs the weights loop: /v1/weights/latest is a verifiable sealed vector', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-serve-weights-'));
  const hotkeys = [randomHotkey(), randomHotkey()];
  const tokens = new Map(['alpha', 'beta'].map((slug) => [slug, randomBytes(16).toString('hex')]));
  const servers = new Map<string, TestChallengeServer>();
  const port = await freePort();
  try {
    for (const [index, slug] of ['alpha', 'beta'].entries()) {
      servers.set(
        slug,
        await startChallengeServer((req, res) => {
          if (req.url !== '/internal/v1/get_weights') return void res.end('ok');
          if (req.headers.authorization !== `Bearer ${tokens.get(slug)}`) {
            res.statusCode = 401;
            return void res.end();
          }
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ challenge_slug: slug, weights: { [hotkeys[index]!]: 1 } }));
        }),
      );
    }
    const tokensDir = path.join(dir, 'tokens');
    await mkdir(tokensDir, { mode: 0o700 });
    for (const [slug, token] of tokens) await writeFile(path.join(tokensDir, slug), `${token}\n`, { mode: 0o400 });
    const keyFile = path.join(dir, 'signing.seed');
    await writeFile(keyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
    const publicKey = u8aToHex((await loadSigningKey(keyFile)).publicKey);
    const desired = path.join(dir, 'subnet.yaml');
    await writeFile(
      desired,
      stringify({
        version: 1,
        subnet: { name: 'serve', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
        master: { image: '127.0.0.1:5000/base/master:latest' },
        networks: [{ name: 'serve-net', encrypted: true }],
        challenges: ['alpha', 'beta'].map((slug) => ({ slug, name: slug, image: '127.0.0.1:5000/c:1.0.0', status: 'active', emission_percent: 40 })),
        development_metagraph: { [hotkeys[0]!]: 1, [hotkeys[1]!]: 2 },
      }),
    );
    const stateDir = path.join(dir, 'state');
    await mkdir(stateDir, { mode: 0o700 });

    const child = execa(
      process.execPath,
      [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--desired', desired,
        '--upstream', `alpha=${servers.get('alpha')!.origin}`, '--upstream', `beta=${servers.get('beta')!.origin}`,
        '--signing-key-file', keyFile, '--state-dir', stateDir, '--probe-interval', '1'],
      { cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '', BASE_CHALLENGE_TOKENS_DIR: tokensDir }, extendEnv: false },
    );
    let latest: { status: number; body: string } | null = null;
    for (let i = 0; i < 200; i++) {
      latest = await send(port, '/v1/weights/latest').catch(() => null);
      if (latest?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(latest?.status, 200, `latest: ${latest?.status} ${latest?.body}`);
    const vector = JSON.parse(latest!.body) as { uids: number[]; epoch: number; source_challenges: Array<{ slug: string; outcome: unknown }> };
    assert.deepEqual(verifyVector(vector, publicKey), { ok: true });
    assert.ok(vector.uids.includes(1) && vector.uids.includes(2), `both miners are paid: ${JSON.stringify(vector.uids)}`);
    for (const server of servers.values()) {
      assert.ok(server.requests.some((r) => r.path === '/internal/v1/get_weights' && r.authorization?.startsWith('Bearer ')));
    }
    const byEpoch = await send(port, `/v1/weights/${vector.epoch}`);
    assert.equal(byEpoch.status, 200);

    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l.msg === 'weights-loop-started'));
    assert.ok(lines.some((l) => l.msg === 'weights-epoch-sealed' && l.epoch === vector.epoch));
    for (const token of tokens.values()) assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), 'tokens are never logged');
  } finally {
    await Promise.all([...servers.values()].map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
});

test('base serve without a tokens directory keeps serving the store only (no loop)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-serve-noloop-'));
  const port = await freePort();
  try {
    const keyFile = path.join(dir, 'signing.seed');
    await writeFile(keyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
    const desired = path.join(dir, 'subnet.yaml');
    await writeFile(
      desired,
      stringify({
        version: 1,
        subnet: { name: 'serve', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
        master: { image: '127.0.0.1:5000/base/master:latest' },
        networks: [{ name: 'serve-net', encrypted: true }],
        challenges: [],
      }),
    );
    const child = execa(
      process.execPath,
      [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--desired', desired,
        '--upstream', 'alpha=http://127.0.0.1:1', '--signing-key-file', keyFile],
      { cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '' }, extendEnv: false },
    );
    let up = false;
    for (let i = 0; i < 200 && !up; i++) {
      up = await send(port, '/version').then(() => true, () => false);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(up);
    assert.equal((await send(port, '/v1/weights/latest')).status, 503);
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(!result.stdout.includes('weights-loop-started'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
