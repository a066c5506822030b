import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { DESIRED_YAML, send } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('base serve started before its desired state exists loads it within seconds, not a probe interval later', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'base-serve-late-desired-'));
  const port = await freePort();
  const desired = path.join(dir, 'subnet.yaml');
  // A probe interval far longer than the test: only the first-load retry can pick the file up.
  const child = execa(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--desired', desired, '--probe-interval', '600'], {
    cwd: ROOT, reject: false, env: { PATH: process.env.PATH ?? '' }, extendEnv: false,
  });
  try {
    const health = async () => JSON.parse((await send(port, '/health')).body) as { desired_state: { loaded: boolean; error: string | null } };
    let before: Awaited<ReturnType<typeof health>> | null = null;
    for (let i = 0; i < 200 && !before; i++) {
      before = await health().catch(() => null);
      if (!before) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(before, 'base serve answers /health');
    assert.equal(before.desired_state.loaded, false);
    assert.match(before.desired_state.error ?? '', /ENOENT/);
    await writeFile(desired, DESIRED_YAML);
    const deadline = Date.now() + 5_000;
    let after = await health();
    while (!after.desired_state.loaded && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await health();
    }
    assert.deepEqual(after.desired_state, { ...after.desired_state, loaded: true, error: null });
  } finally {
    child.kill('SIGTERM');
    await child;
    await rm(dir, { recursive: true, force: true });
  }
});
