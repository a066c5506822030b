/**
 * The master serves the last applied desired state: the reconciler keeps a copy in its state folder and the master
 * mounts that folder read-only, so an applied change (emission shares, a new challenge) reaches its registry and
 * weights loop without a new image, and an edit that was never applied does not.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import type { ServiceIntent } from '../model.ts';
import { compile, MASTER_DESIRED_STATE_DIR } from '../compile.ts';
import { managerHostOptions } from '../manager-host-options.ts';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { StateDir } from '../../state/index.ts';
import { fixtureText } from './support/fixtures.ts';

function masterContainer(options: Parameters<typeof compile>[1]): Docker.ContainerSpec {
  const state = requireValid(parseDesiredState(fixtureText('converged.yaml'), 'f.yaml'));
  const intents = compile(state, { signingKeySecretName: 'base-master-signing-key-bbbbbbbbbbbb', ...options });
  const master = intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'base-master')!;
  return (master.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
}

test('with the applied copy\'s folder: bind-mounted read-only, BASE_DESIRED_STATE_FILE names the copy there', () => {
  const c = masterContainer({ appliedDesiredStateDir: '/var/lib/base/reconciler/applied-desired-state' });
  assert.deepEqual(
    c.Mounts?.find((m) => m.Target === MASTER_DESIRED_STATE_DIR),
    { Type: 'bind', Source: '/var/lib/base/reconciler/applied-desired-state', Target: '/etc/base/desired-state', ReadOnly: true },
  );
  assert.ok(c.Env?.includes('BASE_DESIRED_STATE_FILE=/etc/base/desired-state/subnet.yaml'), (c.Env ?? []).join('\n'));
  assert.deepEqual(c.Mounts?.map((m) => m.Target), ['/tmp', '/etc/base/desired-state', '/var/run/docker.sock', '/var/lib/base']);
});

test('without it the master keeps the copy in its image: no mount, no variable', () => {
  const c = masterContainer({});
  assert.ok(!c.Mounts?.some((m) => m.Target === MASTER_DESIRED_STATE_DIR));
  assert.ok(!c.Env?.some((e) => e.startsWith('BASE_DESIRED_STATE_FILE=')));
});

test('a relative folder is refused by compile (a bind source must be absolute on the manager)', () => {
  assert.throws(() => masterContainer({ appliedDesiredStateDir: 'applied-desired-state' }), /must be an absolute path/);
});

test('manager host options: the state folder\'s applied copy for a local Engine, nothing for a remote one', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'base-host-options-'));
  try {
    const socket = path.join(dir, 'docker.sock');
    await writeFile(socket, '');
    const state = new StateDir(path.join(dir, 'state'));
    const local = await managerHostOptions(new Docker({ socketPath: socket }), state);
    assert.equal(local.appliedDesiredStateDir, path.join(dir, 'state', 'applied-desired-state'));
    assert.deepEqual(await managerHostOptions(new Docker({ host: '127.0.0.1', port: 2375, protocol: 'http' }), state), {});
    assert.equal((await managerHostOptions(new Docker({ socketPath: socket }))).appliedDesiredStateDir, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the applied copy: readable by the master (0644 in a 0755 folder), replaced whole, the rest of the folder stays private', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'base-applied-copy-'));
  try {
    const state = new StateDir(path.join(dir, 'state'));
    await state.ensureTokens(['alpha']);
    await state.writeAppliedDesiredState('version: 1\n');
    await state.writeAppliedDesiredState('version: 1\n# second\n');
    const folder = state.appliedDesiredStateDir();
    assert.deepEqual(await readdir(folder), ['subnet.yaml'], 'no temp file left behind');
    assert.equal(await readFile(path.join(folder, 'subnet.yaml'), 'utf8'), 'version: 1\n# second\n');
    assert.equal((await stat(path.join(folder, 'subnet.yaml'))).mode & 0o777, 0o644);
    assert.equal((await stat(folder)).mode & 0o777, 0o755);
    assert.equal((await stat(state.dir)).mode & 0o777, 0o700, 'the state folder itself stays 0700');
    assert.equal((await stat(state.tokenPath('alpha'))).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
