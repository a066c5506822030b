import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import YAML from 'yaml';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import type { ServiceIntent } from '../model.ts';
import { fixtureText } from './support/fixtures.ts';

function compiled(mutate: (doc: any) => void = () => {}) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const doc = YAML.parse(fixtureText('converged.yaml'));
  mutate(doc);
  return compile(requireValid(parseDesiredState(YAML.stringify(doc), 'f.yaml')), { tokenSecretNames: { alpha: 'challenge-alpha-token-aaaaaaaaaaaa' } });
}

const service = (intents: ReturnType<typeof compiled>, name: string) => intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === name)!;
const container = (s: ServiceIntent) => (s.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;

test('a challenge service gets its declared env (stringified, sorted) plus the three platform variables', () => {
  assert.deepEqual(container(service(compiled(), 'challenge-alpha')).Env, [
    'BASE_CHALLENGE_SLUG=alpha',
    'CHALLENGE_DATABASE_URL=sqlite+aiosqlite:////data/challenge.sqlite3',
    'CHALLENGE_SHARED_TOKEN_FILE=/run/secrets/base/challenge_token',
    'JUDGE_TOKEN_FILE=/run/secrets/judge-token',
    'LOG_LEVEL=info',
    'MAX_ITEMS=64',
    'STRICT=true',
  ]);
});

test('token secret at /run/secrets/base/challenge_token readable by uid 1000 (0400), declared secrets at /run/secrets/<name>, volume at /data', () => {
  const c = container(service(compiled(), 'challenge-alpha'));
  assert.deepEqual(c.Secrets, [
    { SecretName: 'challenge-alpha-token-aaaaaaaaaaaa', File: { Name: '/run/secrets/base/challenge_token', UID: '1000', GID: '1000', Mode: 0o400 } },
    { SecretName: 'judge-token', File: { Name: '/run/secrets/judge-token', UID: '1000', GID: '1000', Mode: 0o400 } },
  ]);
  assert.deepEqual(c.Mounts?.find((m) => m.Target === '/data'), { Type: 'volume', Source: 'challenge-alpha-data', Target: '/data' });
});

test('placement, dnsrr, networks with the service name as alias, limits, restart/update/rollback config', () => {
  const s = service(compiled(), 'challenge-alpha');
  const task = s.spec.TaskTemplate as Docker.ContainerTaskSpec;
  assert.deepEqual(task.Placement, { Constraints: ['node.role==manager'] });
  assert.deepEqual(s.spec.EndpointSpec, { Mode: 'dnsrr' });
  // Default networks: every declared network that is encrypted.
  assert.deepEqual(task.Networks, [{ Target: 'challenges', Aliases: ['challenge-alpha'] }]);
  assert.deepEqual(task.Resources, { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 256 * 1024 * 1024, Pids: 128 } });
  assert.deepEqual(task.RestartPolicy, { Condition: 'on-failure', Delay: 5e9, MaxAttempts: 3 });
  assert.equal(s.spec.UpdateConfig?.Order, 'stop-first');
  assert.equal(s.spec.UpdateConfig?.FailureAction, 'rollback');
  assert.equal(s.spec.UpdateConfig?.Monitor, 15e9);
  assert.equal(s.spec.UpdateConfig?.Parallelism, 1);
  assert.ok(s.spec.RollbackConfig);
  assert.deepEqual(s.spec.Mode, { Replicated: { Replicas: 1 } });
});

test('reconciler metadata lives in service-level labels only, never in the task template', () => {
  const s = service(compiled(), 'challenge-alpha');
  assert.deepEqual(s.spec.Labels, {
    'base.managed-by': 'base',
    'base.challenge.slug': 'alpha',
    'base.role': 'challenge',
    'base.challenge.emission-percent': '40',
    'base.challenge.name': 'Alpha',
    'base.challenge.port': '8000',
    'base.challenge.version': '1.0.0',
  });
  assert.equal(container(s).Labels, undefined);
  assert.ok(!JSON.stringify(s.spec.TaskTemplate).includes('emission'));
});

test('gpus > 0 reserves NVIDIA-GPU generic resources; declared networks are used as given', () => {
  const s = service(compiled(), 'challenge-beta');
  const task = s.spec.TaskTemplate as Docker.ContainerTaskSpec;
  assert.deepEqual(task.Resources?.Reservations, { GenericResources: [{ DiscreteResourceSpec: { Kind: 'NVIDIA-GPU', Value: 1 } }] });
  assert.deepEqual(task.Networks?.map((n) => n.Target), ['challenges', 'workers']);
});

test('a token not minted yet gets a pending name; inactive and draft challenges get no service, secret or volume', () => {
  const intents = compiled((doc) => {
    doc.challenges[0].status = 'draft';
  });
  assert.deepEqual(
    intents.filter((i) => i.kind !== 'network' && i.kind !== 'node').map((i) => `${i.kind} ${i.name}`),
    ['secret challenge-beta-token-(minted at apply)', 'volume challenge-beta-data', 'service challenge-beta', 'secret base-master-signing-key-(minted at apply)', 'volume base-master-data', 'service base-master'],
  );
});

test('networks: encrypted → option, MTU, internal, attachable, managed labels', () => {
  const networks = compiled().filter((i) => i.kind === 'network');
  assert.deepEqual(networks, [
    { kind: 'network', name: 'challenges', driver: 'overlay', encrypted: true, mtu: 1450, internal: false, attachable: false, labels: { 'base.managed-by': 'base', 'base.role': 'network' } },
    { kind: 'network', name: 'workers', driver: 'overlay', encrypted: false, mtu: null, internal: false, attachable: true, labels: { 'base.managed-by': 'base', 'base.role': 'network' } },
  ]);
});
