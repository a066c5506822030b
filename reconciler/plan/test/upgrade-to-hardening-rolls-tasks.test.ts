/**
 * Upgrading a Swarm converged by the version before hardening (fixtures/before-hardening.live.json: the same
 * converged.yaml, created and captured on the test bed by that version's compile) plans every hardening field as a
 * task-template change: each challenge service and the master roll their tasks once, nothing else changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveState } from '../../live/types.ts';
import { plan } from '../plan.ts';
import { compileFixture, fixtureText } from './support/fixtures.ts';

const beforeHardening = (): LiveState => JSON.parse(fixtureText('before-hardening.live.json')) as LiveState;
const CHALLENGE_FIELDS = [
  'TaskTemplate.ContainerSpec.CapabilityDrop',
  'TaskTemplate.ContainerSpec.Init',
  'TaskTemplate.ContainerSpec.Mounts["/tmp"]',
  'TaskTemplate.ContainerSpec.ReadOnly',
  'TaskTemplate.ContainerSpec.Ulimits',
];

test('a Swarm converged before hardening: both challenges and the master update, rolling tasks, on exactly the hardening fields', () => {
  const result = plan(compileFixture(fixtureText('converged.yaml')), beforeHardening());
  const updates = result.changes.filter((c) => c.action !== 'no-op' && c.kind === 'service');
  assert.deepEqual(updates.map((c) => [c.name, c.action, c.impact]), [
    ['t-plan-base-master', 'update', 'rolls-tasks'],
    ['t-plan-challenge-alpha', 'update', 'rolls-tasks'],
    ['t-plan-challenge-beta', 'update', 'rolls-tasks'],
  ]);
  const paths = (name: string) => updates.find((c) => c.name === name)!.diffs.map((d) => d.path);
  // alpha declares resources.pids: 128, so its limit is unchanged; beta gets the default 512.
  assert.deepEqual(paths('t-plan-challenge-alpha'), CHALLENGE_FIELDS);
  assert.deepEqual(paths('t-plan-challenge-beta'), [...CHALLENGE_FIELDS, 'TaskTemplate.Resources.Limits']);
  assert.deepEqual(paths('t-plan-base-master'), [
    'TaskTemplate.ContainerSpec.CapabilityDrop',
    'TaskTemplate.ContainerSpec.Init',
    'TaskTemplate.ContainerSpec.Mounts["/tmp"]',
    'TaskTemplate.ContainerSpec.ReadOnly',
    'TaskTemplate.Resources',
  ]);
  for (const change of updates) assert.ok(change.diffs.every((d) => d.rollsTasks), change.name);
  assert.equal(result.summary.restarts, 3);
  // Networks, secrets and volumes (the challenges' /data among them) are left as they are.
  assert.deepEqual(result.changes.filter((c) => c.kind !== 'service' && c.kind !== 'node' && c.action !== 'no-op'), []);
  assert.ok(result.changes.some((c) => c.kind === 'volume' && c.name === 't-plan-challenge-alpha-data' && c.action === 'no-op'));
});

test('the values the upgrade writes are the hardening defaults', () => {
  const result = plan(compileFixture(fixtureText('converged.yaml')), beforeHardening());
  const beta = result.changes.find((c) => c.name === 't-plan-challenge-beta')!;
  const after = Object.fromEntries(beta.diffs.map((d) => [d.path, d.after]));
  assert.deepEqual(after, {
    'TaskTemplate.ContainerSpec.CapabilityDrop': ['ALL'],
    'TaskTemplate.ContainerSpec.Init': true,
    'TaskTemplate.ContainerSpec.Mounts["/tmp"]': { Type: 'tmpfs', TmpfsOptions: { SizeBytes: 512 * 1024 * 1024, Mode: 0o1777 } },
    'TaskTemplate.ContainerSpec.ReadOnly': true,
    'TaskTemplate.ContainerSpec.Ulimits': [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
    'TaskTemplate.Resources.Limits': { Pids: 512 },
  });
});
