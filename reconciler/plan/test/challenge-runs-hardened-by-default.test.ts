import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import YAML from 'yaml';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import type { ServiceIntent } from '../model.ts';
import { fixtureText } from './support/fixtures.ts';

function challengeService(mutate: (doc: any) => void = () => {}): ServiceIntent { // eslint-disable-line @typescript-eslint/no-explicit-any
  const doc = YAML.parse(fixtureText('converged.yaml'));
  mutate(doc);
  const intents = compile(requireValid(parseDesiredState(YAML.stringify(doc), 'f.yaml')));
  return intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'challenge-beta')!;
}
const task = (s: ServiceIntent) => s.spec.TaskTemplate as Docker.ContainerTaskSpec;

test('a challenge with no hardening section runs read-only, with init, every capability dropped and nofile 1024:1024', () => {
  const container = task(challengeService()).ContainerSpec!;
  assert.equal(container.ReadOnly, true);
  assert.equal(container.Init, true);
  assert.deepEqual(container.CapabilityDrop, ['ALL']);
  assert.equal(container.CapabilityAdd, undefined);
  assert.deepEqual(container.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 1024 }]);
});

test('/data (its volume) and a 512 MiB tmpfs on /tmp are the only writable mounts, in the order the Docker CLI writes them', () => {
  const container = task(challengeService()).ContainerSpec!;
  assert.deepEqual(container.Mounts, [
    { Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 512 * 1024 * 1024, Mode: 0o1777 } },
    { Type: 'volume', Source: 'challenge-beta-data', Target: '/data' },
  ]);
});

test('the process limit is 512 unless resources.pids says otherwise', () => {
  assert.equal(task(challengeService()).Resources?.Limits?.Pids, 512);
  const declared = challengeService((doc) => {
    doc.challenges[1].resources.pids = 64;
  });
  assert.equal(task(declared).Resources?.Limits?.Pids, 64);
});
