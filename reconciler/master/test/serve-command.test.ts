import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { DESIRED_YAML, send, startUpstream } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('base serve: static upstreams, --forwarded-proto, admin token from a file, JSON logs, exit 0 after draining on SIGTERM', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-serve-test-'));
  const upstream = await startUpstream();
  const port = await freePort();
  try {
    const desired = path.join(dir, 'subnet.yaml');
    const tokenFile = path.join(dir, 'admin.token');
    await writeFile(desired, DESIRED_YAML);
    await writeFile(tokenFile, 'serve-test-admin-token-0123456789\n', { mode: 0o600 });
    const child = execa(
      process.execPath,
      [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--desired', desired,
        '--upstream', `alpha=${upstream.origin}`, '--admin-token-file', tokenFile, '--probe-interval', '1', '--forwarded-proto', 'https'],
      { cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '' }, extendEnv: false },
    );
    let up = false;
    for (let i = 0; i < 200 && !up; i++) {
      up = await send(port, '/version').then(() => true, () => false);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(up, 'base serve listens');
    assert.equal((await send(port, '/challenges/alpha/hello')).status, 200);
    const forwarded = upstream.requests.find((r) => r.url === '/hello');
    assert.equal(forwarded?.headers['x-forwarded-proto'], 'https');
    assert.equal(forwarded?.headers['x-base-challenge-slug'], 'alpha');
    assert.equal((await send(port, '/admin/last-plan')).status, 401);
    assert.equal((await send(port, '/admin/last-plan', { headers: { 'x-admin-token': 'serve-test-admin-token-0123456789' } })).status, 200);
    const registry = JSON.parse((await send(port, '/v1/registry')).body) as { challenges: Array<{ slug: string }> };
    assert.deepEqual(registry.challenges.map((c) => c.slug), ['alpha', 'beta', 'gamma']);
    child.kill('SIGTERM');
    const result = await child;
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l.msg === 'listening' && l.port === port));
    assert.ok(lines.some((l) => l.msg === 'request' && l.route === 'proxy' && l.slug === 'alpha' && l.status === 200));
    assert.ok(lines.some((l) => l.msg === 'stopped' && l.drained === true));
    assert.ok(!result.stdout.includes('serve-test-admin-token'), 'the token is never logged');
  } finally {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('base serve refuses a malformed --upstream and a missing admin token file, naming the problem', async () => {
  const bad = await execa(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'serve', '--upstream', 'Alpha=http://x:1'], { cwd: ROOT, reject: false });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /--upstream "Alpha=http:\/\/x:1": expected slug=http:\/\/HOST:PORT/);
  const path2 = await execa(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'serve', '--upstream', 'alpha=http://127.0.0.1:1/sub'], { cwd: ROOT, reject: false });
  assert.equal(path2.exitCode, 1);
  assert.match(path2.stderr, /without path/);
  const missing = await execa(
    process.execPath,
    [path.join(ROOT, 'bin/base.mjs'), 'serve', '--port', String(await freePort()), '--upstream', 'alpha=http://127.0.0.1:1', '--admin-token-file', '/nonexistent/admin.token'],
    { cwd: ROOT, reject: false },
  );
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /admin token file \/nonexistent\/admin.token: cannot read it \(ENOENT\)/);
});
