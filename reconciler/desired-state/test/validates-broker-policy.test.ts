import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { assertReports } from './assert-problem.ts';
import { DIGEST, HEADER } from './documents.ts';

/** A valid file with a broker, a CPU and a GPU worker, a dataset and one challenge granted jobs. */
const VALID = `${HEADER}  - name: jobs-egress
workers:
  - hostname: cpu-1
    workload: cpu
  - hostname: gpu-1
    workload: gpu
    gpus: 2
    datasets: [fineweb]
broker:
  image: reg.example/base/broker:1.0.0
  datasets:
    - name: fineweb
      version: "2026-06-19"
      path: /srv/base/datasets/fineweb
challenges:
  - slug: alpha
    name: Alpha
    image: reg.example/base/alpha:1.0.0
    status: active
    emission_percent: 10
    jobs:
      images: [reg.example/base/alpha-eval]
      classes: [cpu, gpu]
      max_concurrent: 4
      max_gpus: 1
      per_job:
        max_cpus: 8
        max_memory: 32g
        max_gpus: 1
      datasets:
        fineweb: /datasets/fineweb
`;

/** Line and column (1-based) of the first occurrence of `needle` in `text`, plus `shift` characters. */
function positionOf(text: string, needle: string, shift = 0): { line: number; column: number } {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `the test document holds ${JSON.stringify(needle)}`);
  const before = text.slice(0, index + shift);
  return { line: before.split('\n').length, column: index + shift - before.lastIndexOf('\n') };
}

/** Replaces `from` by `to` in VALID and expects `message` (exact) under `rule`, positioned at `to` + shift. */
function refuses(name: string, from: string, to: string, shift: number, message: string, rule: string, contains = false): void {
  assert.ok(VALID.includes(from), `${name}: the valid document holds ${JSON.stringify(from)}`);
  const text = VALID.replace(from, to);
  assertReports({ name, text, ...positionOf(text, to, shift), message, rule, contains });
}

test('a broker block, workers with GPUs and datasets, and a challenge granted jobs validate', () => {
  const result = parseDesiredState(VALID, 'subnet.yaml');
  assert.deepEqual(result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`), []);
});

test('jobs without a broker block are refused at the jobs key', () => {
  const text = VALID.replace(/broker:\n  image: [^\n]*\n  datasets:\n(    [^\n]*\n|      [^\n]*\n)*/, '').replace('    datasets: [fineweb]\n', '').replace('      datasets:\n        fineweb: /datasets/fineweb\n', '');
  assertReports({
    name: 'no broker',
    text,
    ...positionOf(text, '    jobs:', 4),
    message: 'challenges[0].jobs: found jobs: but no broker: block; a challenge can run evaluation jobs only through the broker (add broker: with its image)',
    rule: 'jobs-need-broker',
  });
});

test('per-job maxima below the reference SDK defaults are refused, each at its own value', () => {
  const refusal = (found: string, sdk: string) =>
    `found ${found}, below the reference SDK's default of ${sdk}; expected at least that, or every unmodified reference call is refused`;
  refuses('cpus', 'max_cpus: 8', 'max_cpus: 1.5', 10, `challenges[0].jobs.per_job.max_cpus: ${refusal('1.5', '2')}`, 'jobs-maximum-below-sdk-default');
  refuses('memory', 'max_memory: 32g', 'max_memory: 2g', 12, `challenges[0].jobs.per_job.max_memory: ${refusal('"2g"', '"4g"')}`, 'jobs-maximum-below-sdk-default');
  refuses('pids', 'max_memory: 32g', 'max_memory: 32g\n        max_pids: 100', 34, `challenges[0].jobs.per_job.max_pids: ${refusal('100', '512')}`, 'jobs-maximum-below-sdk-default');
  refuses(
    'timeout',
    'max_memory: 32g',
    'max_memory: 32g\n        max_timeout_seconds: 600',
    45,
    `challenges[0].jobs.per_job.max_timeout_seconds: ${refusal('600', '900')}`,
    'jobs-maximum-below-sdk-default',
  );
});

test('a maximum below the broker default is refused: a request naming nothing would be', () => {
  const text = VALID.replace('  image: reg.example/base/broker:1.0.0\n', '  image: reg.example/base/broker:1.0.0\n  defaults:\n    pids: 1024\n    memory: 64g\n');
  // max_pids is unset: the schema's default (512) is what a request is held to; the finding points into per_job.
  const unset = parseDesiredState(text, 'subnet.yaml');
  assert.equal(unset.ok, false);
  if (!unset.ok) {
    assert.deepEqual(
      unset.problems.filter((p) => p.path === 'challenges[0].jobs.per_job.max_pids').map((p) => [p.line, p.rule, p.message]),
      [[positionOf(text, '        max_cpus').line, 'jobs-maximum-below-broker-default', "challenges[0].jobs.per_job.max_pids: is 512 (as set, or by default), below broker.defaults.pids (1024); expected a maximum that admits the broker's own default"]],
    );
  }
  assertReports({
    name: 'set maximum',
    text,
    ...positionOf(text, 'max_memory: 32g', 12),
    message: 'challenges[0].jobs.per_job.max_memory: is "32g" (as set, or by default), below broker.defaults.memory ("64g"); expected a maximum that admits the broker\'s own default',
    rule: 'jobs-maximum-below-broker-default',
  });
});

test('job images are repositories: a tag or a digest is refused', () => {
  refuses(
    'tag',
    'images: [reg.example/base/alpha-eval]',
    'images: [reg.example/base/alpha-eval:1.0.0]',
    9,
    'challenges[0].jobs.images[0]: found "reg.example/base/alpha-eval:1.0.0", expected a repository without tag or digest (each run request names its tag and digest): "reg.example/base/alpha-eval"',
    'jobs-image-repository',
  );
  refuses(
    'digest',
    'images: [reg.example/base/alpha-eval]',
    `images: [reg.example/base/alpha-eval@${DIGEST}]`,
    9,
    'expected a repository without tag or digest (each run request names its tag and digest): "reg.example/base/alpha-eval"',
    'jobs-image-repository',
    true,
  );
});

test('datasets: unknown names are refused with a suggestion; a dataset no permitted worker carries is refused', () => {
  refuses(
    'unknown in jobs',
    '        fineweb: /datasets/fineweb',
    '        finewebb: /datasets/fineweb',
    8,
    'challenges[0].jobs.datasets.finewebb: found the dataset "finewebb", which broker.datasets does not declare; did you mean "fineweb"?',
    'broker-dataset-unknown',
  );
  refuses(
    'unknown on a worker',
    'datasets: [fineweb]',
    'datasets: [fineweb, c4]',
    20,
    'workers[1].datasets[1]: found the dataset "c4", which broker.datasets does not declare; expected one of fineweb',
    'broker-dataset-unknown',
  );
  const cpuOnly = VALID.replace('classes: [cpu, gpu]', 'classes: [cpu]').replace('max_gpus: 1\n      per_job', 'per_job').replace('        max_gpus: 1\n', '');
  assertReports({
    name: 'not on a worker of the classes',
    text: cpuOnly,
    ...positionOf(cpuOnly, '        fineweb: /datasets', 8),
    message:
      'challenges[0].jobs.datasets.fineweb: found the dataset "fineweb", which no worker of the classes cpu carries; expected a worker with it in workers[].datasets, or no run mounting it could be placed',
    rule: 'jobs-dataset-not-on-a-worker',
  });
});

test('a GPU quota needs a gpu class and a gpu worker that advertises GPUs; quotas stay within the broker limits', () => {
  const noGpus = VALID.replace('    gpus: 2\n', '    gpus: 0\n');
  assertReports({
    name: 'no advertised GPUs',
    text: noGpus,
    ...positionOf(noGpus, '      max_gpus: 1', 16),
    message: "challenges[0].jobs.max_gpus: found a GPU quota of 1 but no worker with workload: gpu advertises GPUs; expected a gpu worker with gpus: N (its daemon's node-generic-resources)",
    rule: 'jobs-gpu-needs-gpu-worker',
  });
  const cpuOnly = VALID.replace('classes: [cpu, gpu]', 'classes: [cpu]');
  assertReports({
    name: 'gpu quota without the gpu class',
    text: cpuOnly,
    ...positionOf(cpuOnly, '      max_gpus: 1', 16),
    message: 'challenges[0].jobs.max_gpus: found 1 GPUs for a challenge whose classes are [cpu]; expected classes to include gpu',
    rule: 'jobs-gpu-class',
  });
  refuses(
    'per-job GPUs above the challenge quota',
    '        max_gpus: 1\n',
    '        max_gpus: 2\n',
    18,
    "challenges[0].jobs.per_job.max_gpus: found 2, above this challenge's max_gpus (1); expected at most that",
    'jobs-within-broker-limits',
  );
  const capped = VALID.replace('  image: reg.example/base/broker:1.0.0\n', '  image: reg.example/base/broker:1.0.0\n  limits:\n    max_concurrent: 2\n');
  assertReports({
    name: 'concurrency above the global cap',
    text: capped,
    ...positionOf(capped, '      max_concurrent: 4', 22),
    message: 'challenges[0].jobs.max_concurrent: found 4, above broker.limits.max_concurrent (2); expected at most that',
    rule: 'jobs-within-broker-limits',
  });
});

test('a class with no worker of that workload is refused', () => {
  const text = VALID.replace('  - hostname: cpu-1\n    workload: cpu\n', '');
  assertReports({
    name: 'no cpu worker',
    text,
    ...positionOf(text, 'classes: [cpu', 10),
    message: 'challenges[0].jobs.classes[0]: found the class "cpu" but no worker with workload: cpu; expected a worker of that class in workers:, or no run could ever be placed',
    rule: 'jobs-class-without-worker',
  });
});

test('egress needs a declared network; an egress network on an isolated grant is refused', () => {
  refuses(
    'egress without network',
    '      max_concurrent: 4\n',
    '      max_concurrent: 4\n      network: egress\n',
    39,
    'challenges[0].jobs.network: found network: egress without egress_network; expected egress_network naming a network declared in networks:',
    'jobs-egress-network',
  );
  refuses(
    'egress network not declared',
    '      max_concurrent: 4\n',
    '      max_concurrent: 4\n      network: egress\n      egress_network: jobs-egres\n',
    68,
    'challenges[0].jobs.egress_network: found "jobs-egres", which networks: does not declare; did you mean "jobs-egress"?',
    'jobs-egress-network',
  );
  refuses(
    'egress network on an isolated grant',
    '      max_concurrent: 4\n',
    '      max_concurrent: 4\n      egress_network: jobs-egress\n',
    30,
    'challenges[0].jobs.egress_network: found egress_network with network: isolated; expected network: egress, or no egress_network (isolated runs have no route out)',
    'jobs-egress-network',
  );
});

test('production: job users and the broker default user are never root; the broker image is pinned', () => {
  const production = VALID.replace('environment: development', 'environment: production');
  const problems = parseDesiredState(
    production.replace('        max_gpus: 1\n', '        max_gpus: 1\n        allow_users: ["65534:65534", "0"]\n').replace('  image: reg.example/base/broker:1.0.0\n', '  image: reg.example/base/broker:1.0.0\n  defaults:\n    user: root\n'),
    'subnet.yaml',
  );
  assert.equal(problems.ok, false);
  if (problems.ok) return;
  const byRule = (rule: string) => problems.problems.filter((p) => p.rule === rule).map((p) => p.message);
  assert.deepEqual(byRule('jobs-root-user-production'), [
    'broker.defaults.user: found "root"; production runs jobs as a non-root user (e.g. "65534:65534")',
    'challenges[0].jobs.per_job.allow_users[1]: found "0"; production runs jobs as a non-root user',
  ]);
  assert.ok(byRule('production-image-pinned').some((m) => m.startsWith('broker.image: found "reg.example/base/broker:1.0.0"; production requires')));
  // Development lets an operator try root.
  assert.ok(parseDesiredState(VALID.replace('        max_gpus: 1\n', '        max_gpus: 1\n        allow_users: ["0"]\n'), 'subnet.yaml').ok);
});

test('the schema refuses unknown keys and malformed values in the policy', () => {
  refuses('unknown key', '      max_concurrent: 4\n', '      max_concurent: 4\n', 6, 'challenges[0].jobs.max_concurent: unknown property "max_concurent"; did you mean "max_concurrent"?', 'schema.additionalProperties');
  const result = parseDesiredState(VALID.replace('classes: [cpu, gpu]', 'classes: [cpu, tpu]'), 'subnet.yaml');
  assert.equal(result.ok, false);
});
