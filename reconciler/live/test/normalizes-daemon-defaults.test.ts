import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { canonicalImage, normalizeServiceSpec, normalizeNetwork } from '../normalize.ts';

const context = { networkNames: new Map([['km1z8jmts9ayb6ayhxyrd2spe', 'base-challenges']]) };

const compiledSpec = (): Docker.ServiceSpec => ({
  Name: 'challenge-a',
  Labels: { 'base.managed-by': 'base', 'base.challenge.slug': 'a' },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'registry.example/x:1@sha256:' + '0'.repeat(64),
      Env: ['A=1', 'B=2'],
      Mounts: [{ Type: 'volume', Source: 'a-data', Target: '/data' }],
      Secrets: [
        { SecretName: 's1', File: { Name: '/run/secrets/s1', UID: '1000', GID: '1000', Mode: 256 } },
        { SecretName: 's2', File: { Name: '/run/secrets/s2', UID: '1000', GID: '1000', Mode: 256 } },
      ],
      StopGracePeriod: 10e9,
    },
    Resources: { Limits: { NanoCPUs: 1e9 } },
    Placement: { Constraints: ['node.role==manager'] },
    Networks: [{ Target: 'base-challenges', Aliases: ['challenge-a'] }],
  },
  Mode: { Replicated: { Replicas: 1 } },
  UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' },
  EndpointSpec: { Mode: 'dnsrr' },
});

test('daemon defaults, ID-vs-name network targets, secret IDs and list order normalize away', () => {
  const live = {
    Name: 'challenge-a',
    Labels: { 'base.challenge.slug': 'a', 'base.managed-by': 'base', 'base.plan.hash': 'sha256:volatile' },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'registry.example/x:1@sha256:' + '0'.repeat(64),
        Env: ['B=2', 'A=1'],
        Mounts: [{ Type: 'volume', Source: 'a-data', Target: '/data', ReadOnly: false, VolumeOptions: {} }],
        Secrets: [
          { SecretID: 'id2', SecretName: 's2', File: { Name: '/run/secrets/s2', UID: '1000', GID: '1000', Mode: 256 } },
          { SecretID: 'id1', SecretName: 's1', File: { Name: '/run/secrets/s1', UID: '1000', GID: '1000', Mode: 256 } },
        ],
        Isolation: 'default',
        Init: false,
        DNSConfig: {},
      },
      Resources: { Limits: { NanoCPUs: 1e9 }, Reservations: {} },
      Placement: { Constraints: ['node.role==manager'], Platforms: [{ Architecture: 'amd64', OS: 'linux' }] },
      Networks: [{ Target: 'km1z8jmts9ayb6ayhxyrd2spe', Aliases: ['challenge-a'] }],
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback', MaxFailureRatio: 0 },
    EndpointSpec: { Mode: 'dnsrr' },
  } as unknown as Docker.ServiceSpec;
  assert.deepEqual(normalizeServiceSpec(live, context), normalizeServiceSpec(compiledSpec(), context));
});

test('what is left is compared: an extra env var (even with an empty value) shows', () => {
  const base = normalizeServiceSpec(compiledSpec(), context);
  const changed = compiledSpec();
  const task = changed.TaskTemplate as Docker.ContainerTaskSpec;
  task.ContainerSpec!.Env = [...task.ContainerSpec!.Env!, 'C='];
  const normalized = normalizeServiceSpec(changed, context);
  assert.notDeepEqual(normalized, base);
  const container = (normalized.TaskTemplate as Record<string, Record<string, Record<string, string>>>).ContainerSpec!;
  assert.equal(container.Env?.C, '', 'an empty env value is kept, not stripped');
});

test('the ForceUpdate counter (docker service update --force) is not desired state and is ignored', () => {
  const forced = compiledSpec();
  (forced.TaskTemplate as Docker.ContainerTaskSpec).ForceUpdate = 3;
  assert.deepEqual(normalizeServiceSpec(forced, context), normalizeServiceSpec(compiledSpec(), context));
});

test('a missing stop grace period, endpoint mode and mode take Docker’s defaults', () => {
  const spec: Docker.ServiceSpec = { Name: 'x', TaskTemplate: { ContainerSpec: { Image: 'nginx' } } };
  const explicit: Docker.ServiceSpec = {
    Name: 'x',
    TaskTemplate: { ContainerSpec: { Image: 'docker.io/library/nginx:latest', StopGracePeriod: 10e9 } },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'vip' },
  };
  assert.deepEqual(normalizeServiceSpec(spec, context), normalizeServiceSpec(explicit, context));
});

test('image references compare in their familiar form, tag and digest kept', () => {
  assert.equal(canonicalImage('docker.io/library/nginx'), 'nginx:latest');
  assert.equal(canonicalImage('index.docker.io/library/nginx:1.25'), 'nginx:1.25');
  assert.equal(canonicalImage('127.0.0.1:5000/base/x:1@sha256:' + 'a'.repeat(64)), '127.0.0.1:5000/base/x:1@sha256:' + 'a'.repeat(64));
});

test('networks: encrypted and MTU come from the driver options', () => {
  assert.deepEqual(
    normalizeNetwork({ Id: 'n', Name: 'n', Driver: 'overlay', Options: { encrypted: '', 'com.docker.network.driver.mtu': '1450', 'com.docker.network.driver.overlay.vxlanid_list': '4097' }, Labels: { a: 'b' }, Attachable: true }),
    { driver: 'overlay', encrypted: true, mtu: 1450, internal: false, attachable: true, labels: { a: 'b' } },
  );
});

test('a tmpfs mount compiled with an empty Source equals the live mount the Engine reports without one', () => {
  const tmpfs = { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } };
  const compiled = compiledSpec();
  (compiled.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!.Mounts!.push({ ...tmpfs, Source: '' } as Docker.MountSettings);
  const live = compiledSpec();
  (live.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!.Mounts!.push(tmpfs as Docker.MountSettings);
  assert.deepEqual(normalizeServiceSpec(live, context), normalizeServiceSpec(compiled, context));
  const resized = compiledSpec();
  (resized.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!.Mounts!.push({ ...tmpfs, TmpfsOptions: { SizeBytes: 2048, Mode: 0o1777 } } as Docker.MountSettings);
  assert.notDeepEqual(normalizeServiceSpec(resized, context), normalizeServiceSpec(compiled, context));
});
