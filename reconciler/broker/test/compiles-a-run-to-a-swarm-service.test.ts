import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitRun, type AdmittedRun } from '../admit-run.ts';
import { compileRun, runDeadline, type RunContext } from '../compile-run.ts';
import { parseRunRequest } from '../run-request.ts';
import { context, EVAL_IMAGE, sdkRequest } from './support.ts';

const CONTEXT: RunContext = {
  runId: '01JF3Z8K2Q9W4XB6N7M5T0R1YC',
  receivedAt: new Date('2026-12-04T12:00:00Z'),
  api: 'compat',
  mode: 'replicated',
  queued: false,
  policyRevision: 'c0ffee1',
  encryptNetwork: true,
};

function admitted(limits: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): AdmittedRun {
  const parsed = parseRunRequest(sdkRequest(overrides, limits));
  assert.ok(parsed.ok);
  const admission = admitRun(parsed.request, context());
  assert.ok(admission.ok, admission.ok ? '' : admission.refusal.detail);
  return admission.run;
}

test('a CPU run compiles to one hardened service on a CPU worker, on its own internal overlay', () => {
  const { service, network } = compileRun(admitted(), CONTEXT);
  const labels = {
    'base.broker.api': 'compat',
    'base.broker.class': 'cpu',
    'base.broker.deadline': String(Date.parse('2026-12-04T12:00:00Z') / 1000 + 900 + 5),
    'base.broker.gpus': '0',
    'base.broker.policy': 'c0ffee1',
    'base.broker.queue-timeout': '900',
    'base.broker.run': '01JF3Z8K2Q9W4XB6N7M5T0R1YC',
    'base.broker.timeout': '900',
    'base.challenge': 'alpha',
    'base.challenge.slug': 'alpha',
    'base.job': 'eval-42',
    'base.managed-by': 'base-broker',
    'base.role': 'broker-job',
    'base.task': 'task-7',
    'user.purpose': 'score',
  };
  assert.deepEqual(service, {
    Name: 'bj-alpha-01jf3z8k2q9w4xb6n7m5t0r1yc',
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: EVAL_IMAGE,
        Args: ['python', '-m', 'evaluate', '--miner', '5F…'],
        Env: ['MINER=hk1', 'NVIDIA_VISIBLE_DEVICES=void'],
        Labels: labels,
        User: '65534:65534',
        ReadOnly: true,
        Init: true,
        StopGracePeriod: 5_000_000_000,
        Mounts: [
          { Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: 512 * 1024 ** 2, Mode: 0o1777 } },
          { Type: 'bind', Source: '/srv/datasets/fineweb', Target: '/datasets/fineweb', ReadOnly: true },
        ],
        CapabilityDrop: ['ALL'],
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 1024 }],
      },
      Resources: {
        Limits: { NanoCPUs: 2e9, MemoryBytes: 4 * 1024 ** 3, Pids: 512 },
        Reservations: { NanoCPUs: 2e9, MemoryBytes: 4 * 1024 ** 3 },
      },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: ['node.labels.base.dataset.fineweb==2026-06-19', 'node.labels.base.workload==cpu'] },
      Networks: [{ Target: 'bjn-01jf3z8k2q9w4xb6n7m5t0r1yc' }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  });
  assert.deepEqual(network, {
    Name: 'bjn-01jf3z8k2q9w4xb6n7m5t0r1yc',
    Driver: 'overlay',
    Internal: true,
    Attachable: false,
    CheckDuplicate: true,
    Labels: { 'base.managed-by': 'base-broker', 'base.role': 'broker-job', 'base.broker.run': '01JF3Z8K2Q9W4XB6N7M5T0R1YC', 'base.challenge.slug': 'alpha' },
    Options: { encrypted: '', 'com.docker.network.driver.mtu': '1450' },
  });
});

test('a GPU run reserves NVIDIA-GPU generic resources on a GPU worker and is not blinded to its GPUs', () => {
  const { service } = compileRun(admitted({ gpu_count: 2, cpus: 4, memory: '16g' }), CONTEXT);
  const task = service.TaskTemplate as { Resources: { Reservations: Record<string, unknown> }; Placement: { Constraints: string[] }; ContainerSpec: { Env: string[] } };
  assert.deepEqual(task.Resources.Reservations, { NanoCPUs: 4e9, MemoryBytes: 16 * 1024 ** 3, GenericResources: [{ DiscreteResourceSpec: { Kind: 'NVIDIA-GPU', Value: 2 } }] });
  assert.ok(task.Placement.Constraints.includes('node.labels.base.workload==gpu'));
  assert.deepEqual(task.ContainerSpec.Env, ['MINER=hk1']);
  assert.equal(service.Labels?.['base.broker.gpus'], '2');
});

test('never privileged, never the Docker socket, never a host network, whatever the request', () => {
  const { service } = compileRun(admitted({}, { env: { A: '1' }, labels: { 'base.challenge': 'beta', 'base.broker.deadline': '9999999999' } }), CONTEXT);
  const text = JSON.stringify(service);
  assert.doesNotMatch(text, /docker\.sock|Privileged|"host"|CapabilityAdd/);
  assert.equal(service.Labels?.['base.challenge'], 'alpha', 'a caller cannot claim another slug');
  assert.equal(service.Labels?.['user.base.broker.deadline'], '9999999999', "a caller's base.* label is namespaced, never the broker's");
  assert.equal(service.Labels?.['base.broker.deadline'], String(Date.parse('2026-12-04T12:00:00Z') / 1000 + 905));
});

test('queued runs are created with zero replicas and say so; job mode on Engines that have it; egress runs join the declared network', () => {
  const queued = compileRun(admitted(), { ...CONTEXT, queued: true, mode: 'replicated-job' });
  assert.deepEqual(queued.service.Mode, { ReplicatedJob: { MaxConcurrent: 0, TotalCompletions: 1 } });
  assert.equal(queued.service.Labels?.['base.broker.queued'], '1');
  const parsed = parseRunRequest(sdkRequest({}, { network: 'default' }));
  assert.ok(parsed.ok);
  const admission = admitRun(parsed.request, context({}, { network: 'egress', egress_network: 'base-jobs-egress' }));
  assert.ok(admission.ok);
  const egress = compileRun(admission.run, CONTEXT);
  assert.equal(egress.network, null);
  assert.deepEqual((egress.service.TaskTemplate as { Networks: unknown }).Networks, [{ Target: 'base-jobs-egress' }]);
});

test('the deadline: one budget from receipt for the compat route, queue plus run for the native one', () => {
  const run = admitted();
  const received = Date.parse('2026-12-04T12:00:00Z') / 1000;
  assert.equal(runDeadline(run, { receivedAt: CONTEXT.receivedAt, api: 'compat' }), received + 900 + 5);
  assert.equal(runDeadline({ ...run, queueTimeoutSeconds: 600 }, { receivedAt: CONTEXT.receivedAt, api: 'v1' }), received + 600 + 900 + 5);
});
