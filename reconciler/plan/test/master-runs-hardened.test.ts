import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import type { ServiceIntent } from '../model.ts';
import { fixtureText } from './support/fixtures.ts';

const masterTask = (options: Parameters<typeof compile>[1] = {}) => {
  const intents = compile(requireValid(parseDesiredState(fixtureText('converged.yaml'), 'f.yaml')), options);
  return intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'base-master')!.spec.TaskTemplate as Docker.ContainerTaskSpec;
};

test('the master runs with a read-only root, init, no capability at all and a process limit', () => {
  const task = masterTask({ dockerSocketGid: 998 });
  const c = task.ContainerSpec!;
  assert.equal(c.ReadOnly, true);
  assert.equal(c.Init, true);
  assert.deepEqual(c.CapabilityDrop, ['ALL']);
  assert.equal(c.CapabilityAdd, undefined, 'the socket is reached through the group, not a capability');
  assert.deepEqual(c.Groups, ['998']);
  assert.deepEqual(task.Resources, { Limits: { Pids: 256 } });
});

test('the master writes only to its data volume and a 64 MiB tmpfs on /tmp; the desired-state folder stays read-only', () => {
  const c = masterTask({ appliedDesiredStateDir: '/var/lib/base-reconciler/applied' }).ContainerSpec!;
  const writable = (c.Mounts ?? []).filter((m) => m.ReadOnly !== true && m.Type !== 'bind');
  assert.deepEqual(writable.map((m) => [m.Type, m.Target]), [['tmpfs', '/tmp'], ['volume', '/var/lib/base']]);
  assert.deepEqual(c.Mounts?.find((m) => m.Type === 'tmpfs')?.TmpfsOptions, { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 });
  assert.deepEqual(c.Mounts?.filter((m) => m.Type === 'bind').map((m) => [m.Target, m.ReadOnly ?? false]), [
    ['/etc/base/desired-state', true],
    ['/var/run/docker.sock', false],
  ]);
});
