/**
 * The master reads the desired-state file the reconciler applies, through a read-only bind mount of its folder, so a
 * committed change (emission shares, a new challenge) reaches its registry and weights loop without a new image.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Docker from 'dockerode';
import type { ServiceIntent } from '../model.ts';
import { compile, MASTER_DESIRED_STATE_DIR } from '../compile.ts';
import { managerHostOptions } from '../manager-host-options.ts';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { fixtureText } from './support/fixtures.ts';

function masterContainer(options: Parameters<typeof compile>[1]): Docker.ContainerSpec {
  const state = requireValid(parseDesiredState(fixtureText('converged.yaml'), 'f.yaml'));
  const intents = compile(state, { signingKeySecretName: 'base-master-signing-key-bbbbbbbbbbbb', ...options });
  const master = intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'base-master')!;
  return (master.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
}

test('with the applied file\'s path: its folder is bind-mounted read-only and BASE_DESIRED_STATE_FILE names the file there', () => {
  const c = masterContainer({ desiredStateFile: '/srv/base/checkout/desired-state/prod.yaml' });
  assert.deepEqual(
    c.Mounts?.find((m) => m.Target === MASTER_DESIRED_STATE_DIR),
    { Type: 'bind', Source: '/srv/base/checkout/desired-state', Target: '/etc/base/desired-state', ReadOnly: true },
  );
  assert.ok(c.Env?.includes('BASE_DESIRED_STATE_FILE=/etc/base/desired-state/prod.yaml'), (c.Env ?? []).join('\n'));
  // The Docker socket and the data volume stay.
  assert.deepEqual(c.Mounts?.map((m) => m.Target), ['/var/run/docker.sock', '/var/lib/base', '/etc/base/desired-state']);
});

test('without it the master keeps the copy in its image: no mount, no variable', () => {
  const c = masterContainer({});
  assert.ok(!c.Mounts?.some((m) => m.Target === MASTER_DESIRED_STATE_DIR));
  assert.ok(!c.Env?.some((e) => e.startsWith('BASE_DESIRED_STATE_FILE=')));
});

test('a relative path is refused by compile (a bind source must be absolute on the manager)', () => {
  assert.throws(() => masterContainer({ desiredStateFile: 'desired-state/subnet.yaml' }), /must be an absolute path/);
});

test('manager host options: the absolute path for a local Engine, nothing for a remote one', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'base-host-options-'));
  try {
    const socket = path.join(dir, 'docker.sock');
    await writeFile(socket, '');
    const local = await managerHostOptions(new Docker({ socketPath: socket }), 'desired-state/subnet.yaml');
    assert.equal(local.desiredStateFile, path.resolve('desired-state/subnet.yaml'));
    const remote = await managerHostOptions(new Docker({ host: '127.0.0.1', port: 2375, protocol: 'http' }), 'desired-state/subnet.yaml');
    assert.deepEqual(remote, {});
    assert.equal((await managerHostOptions(new Docker({ socketPath: socket }))).desiredStateFile, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
