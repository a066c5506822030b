import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import type { ServiceIntent } from '../model.ts';

const yaml = (masterExtra: string) => `version: 1
subnet: { name: two-on-one-swarm, netuid: 2, environment: development, chain_endpoint: ws://127.0.0.1:9944, epoch_interval_seconds: 360 }
master:
  image: 127.0.0.1:5000/base/master:dev
${masterExtra}networks:
  - name: side-net
challenges: []
`;

const masterOf = (text: string) => {
  const intents = compile(requireValid(parseDesiredState(text, 'subnet.yaml')));
  const service = intents.find((i): i is ServiceIntent => i.kind === 'service' && i.slug === null)!;
  const task = service.spec.TaskTemplate as Docker.ContainerTaskSpec;
  return {
    service,
    volumes: intents.filter((i) => i.kind === 'volume').map((i) => i.name),
    secrets: intents.filter((i) => i.kind === 'secret').map((i) => i.name),
    dataMount: task.ContainerSpec?.Mounts?.find((m) => m.Target === '/var/lib/base')?.Source,
    aliases: task.Networks?.flatMap((n) => n.Aliases ?? []),
  };
};

test('without master.service_name the master keeps its historical names', () => {
  const m = masterOf(yaml(''));
  assert.equal(m.service.name, 'base-master');
  assert.equal(m.service.spec.Name, 'base-master');
  assert.deepEqual(m.volumes, ['base-master-data']);
  assert.equal(m.dataMount, 'base-master-data');
  assert.deepEqual(m.aliases, ['base-master']);
  assert.match(m.secrets[0] ?? '', /^base-master-signing-key-/);
});

test('master.service_name renames the service, its data volume, its alias and its signing-key secret', () => {
  const m = masterOf(yaml('  service_name: side-master\n'));
  assert.equal(m.service.name, 'side-master');
  assert.equal(m.service.spec.Name, 'side-master');
  assert.deepEqual(m.volumes, ['side-master-data']);
  assert.equal(m.dataMount, 'side-master-data');
  assert.deepEqual(m.aliases, ['side-master']);
  assert.match(m.secrets[0] ?? '', /^side-master-signing-key-/);
});

test('an invalid master.service_name is refused at its line', () => {
  const result = parseDesiredState(yaml('  service_name: Not_A_Name\n'), 'subnet.yaml');
  assert.equal(result.ok, false);
  const problem = !result.ok ? result.problems.find((p) => p.path.includes('service_name')) : undefined;
  assert.ok(problem, JSON.stringify(!result.ok && result.problems));
  assert.equal(problem.line, 5);
});
