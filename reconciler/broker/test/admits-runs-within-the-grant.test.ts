import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitRun, type Admission } from '../admit-run.ts';
import { parseRunRequest } from '../run-request.ts';
import { context, EVAL_IMAGE, sdkRequest } from './support.ts';

function admit(overrides: Record<string, unknown> = {}, limits: Record<string, unknown> = {}, ctx = context()): Admission {
  const parsed = parseRunRequest(sdkRequest(overrides, limits));
  assert.ok(parsed.ok, 'the request parses');
  return admitRun(parsed.request, ctx);
}

function refusal(admission: Admission): [number, string, string] | null {
  return admission.ok ? null : [admission.refusal.status, admission.refusal.code, admission.refusal.detail];
}

test("an unmodified reference SDK call is admitted: a CPU run with the broker's default user, its labels, the grant's datasets", () => {
  const admission = admit();
  assert.ok(admission.ok);
  const run = admission.run;
  assert.deepEqual(
    [run.workload, run.gpuCount, run.nanoCpus, run.memoryBytes, run.pids, run.timeoutSeconds, run.queueTimeoutSeconds, run.user],
    ['cpu', 0, 2e9, 4 * 1024 ** 3, 512, 900, 900, '65534:65534'],
  );
  assert.deepEqual(run.userLabels, { purpose: 'score' }, 'base.job/base.task are the broker’s to set; the caller’s other labels are kept');
  assert.deepEqual(run.tmpfs, [{ target: '/tmp', sizeBytes: 512 * 1024 ** 2 }]);
  assert.deepEqual(run.ulimits, [{ name: 'nofile', soft: 1024, hard: 1024 }]);
  assert.deepEqual(run.network, { kind: 'isolated' });
  assert.deepEqual(run.datasets, [{ name: 'fineweb', version: '2026-06-19', source: '/srv/datasets/fineweb', target: '/datasets/fineweb' }]);
});

test('the hardening a caller may not weaken is refused with the reference strings', () => {
  assert.deepEqual(refusal(admit({}, { privileged: true })), [403, 'forbidden', 'privileged broker jobs require the allowlisted escape hatch']);
  assert.deepEqual(refusal(admit({}, { read_only: false })), [400, 'bad_request', 'broker Docker jobs require a read-only root filesystem']);
  assert.deepEqual(refusal(admit({}, { init: false })), [400, 'bad_request', 'broker Docker jobs require Docker init for process cleanup']);
  assert.deepEqual(refusal(admit({}, { cap_drop: ['NET_RAW'] })), [400, 'bad_request', 'broker Docker jobs must drop all Linux capabilities']);
  assert.deepEqual(refusal(admit({}, { security_opt: [] })), [400, 'bad_request', 'broker Docker jobs require no-new-privileges']);
});

test('images: only the granted repositories, exactly (never a prefix), pinned by digest in production', () => {
  assert.deepEqual(refusal(admit({ image: '-rm' })), [400, 'bad_request', "unsafe Docker image reference: '-rm'"]);
  assert.deepEqual(refusal(admit({ image: EVAL_IMAGE.replace('alpha-eval', 'alpha-evaluator') })), [400, 'bad_request', `Docker image is not allowed: ${EVAL_IMAGE.replace('alpha-eval', 'alpha-evaluator')}`]);
  assert.deepEqual(refusal(admit({ image: 'reg.example/base/alpha-eval:1.2.0' })), [400, 'bad_request', 'Docker image must be pinned by digest (@sha256:...) in production: reg.example/base/alpha-eval:1.2.0']);
  assert.ok(admit({ image: 'reg.example/base/alpha-eval:1.2.0' }, {}, context({ production: false })).ok, 'development takes a tag');
});

test('limits above the grant are refused, never lowered', () => {
  assert.deepEqual(refusal(admit({}, { cpus: 8.5 })), [400, 'bad_request', "limits.cpus 8.5 is above this challenge's maximum of 8"]);
  assert.deepEqual(refusal(admit({}, { memory: '33g' })), [400, 'bad_request', "limits.memory '33g' is above this challenge's maximum of 32g"]);
  assert.deepEqual(refusal(admit({}, { pids_limit: 513 })), [400, 'bad_request', "limits.pids_limit 513 is above this challenge's maximum of 512"]);
  assert.deepEqual(refusal(admit({ timeout_seconds: 3601 })), [400, 'bad_request', "timeout_seconds 3601 is above this challenge's maximum of 3600"]);
  assert.deepEqual(refusal(admit({}, { gpu_count: 3 })), [400, 'bad_request', "limits.gpu_count 3 is above this challenge's maximum of 2"]);
  assert.ok(admit({ timeout_seconds: 3600 }, { cpus: 8, memory: '32g' }).ok, 'exactly at the maxima is admitted');
});

test('a GPU run needs the gpu class; a CPU-less grant puts runs on GPU workers', () => {
  const gpu = admit({}, { gpu_count: 2 });
  assert.ok(gpu.ok);
  assert.deepEqual([gpu.run.workload, gpu.run.gpuCount], ['gpu', 2]);
  assert.deepEqual(refusal(admit({}, { gpu_count: 1 }, context({}, { classes: ['cpu'], max_gpus: 0, per_job: { max_gpus: 1 } }))), [403, 'forbidden', "gpu jobs are not allowed for challenge 'alpha'"]);
  const gpuOnly = admit({}, {}, context({}, { classes: ['gpu'] }));
  assert.ok(gpuOnly.ok);
  assert.equal(gpuOnly.run.workload, 'gpu');
});

test('networks: none and the reference job network are isolated, default is the grant profile, other base networks are refused', () => {
  const egress = context({}, { network: 'egress', egress_network: 'base-jobs-egress' });
  const network = (name: string, ctx = context()) => {
    const a = admit({}, { network: name }, ctx);
    return a.ok ? a.run.network : a.refusal.detail;
  };
  assert.deepEqual(network('none'), { kind: 'isolated' });
  assert.deepEqual(network('base_jobs_internal', egress), { kind: 'isolated' });
  assert.deepEqual(network('default'), { kind: 'isolated' });
  assert.deepEqual(network('default', egress), { kind: 'egress', name: 'base-jobs-egress' });
  assert.equal(network('base_challenges'), 'network not allowed for this challenge: base_challenges');
  assert.equal(network('host'), "Docker network must be 'none', 'default', or a base network");
});

test('env keys that select devices or speak for the broker are refused; CUDA_VISIBLE_DEVICES may narrow', () => {
  for (const key of ['NVIDIA_VISIBLE_DEVICES', 'DOCKER_RESOURCE_GPU', 'BASE_BROKER_TOKEN']) {
    assert.deepEqual(refusal(admit({ env: { [key]: 'all' } })), [400, 'bad_request', `env key not allowed: ${key}`]);
  }
  assert.ok(admit({ env: { CUDA_VISIBLE_DEVICES: '0' } }).ok);
});

test('users: only the allowed ones or the broker default; root only when listed', () => {
  assert.deepEqual(refusal(admit({}, { user: '0' })), [400, 'bad_request', "user not allowed for challenge 'alpha': 0"]);
  const listed = admit({}, { user: '1001' });
  assert.ok(listed.ok);
  assert.equal(listed.run.user, '1001');
  const imageUser = admit({}, {}, context({ defaults: { queue_timeout_seconds: 600, stop_grace_seconds: 5 } }));
  assert.ok(imageUser.ok);
  assert.equal(imageUser.run.user, null, "no default user: the image's USER, as the reference");
});

test('tmpfs and ulimits are bounded; mounts are refused until the input stage exists', () => {
  assert.deepEqual(refusal(admit({}, { tmpfs: ['tmp:size=1m'] })), [400, 'bad_request', 'tmpfs mount target must be an absolute path: tmp:size=1m']);
  assert.deepEqual(refusal(admit({}, { ulimits: ['rtprio=99'] })), [400, 'bad_request', 'ulimit not allowed: rtprio=99 (allowed: core, fsize, memlock, nofile, nproc, stack)']);
  assert.deepEqual(refusal(admit({}, { ulimits: ['nofile=4096:1024'] })), [400, 'bad_request', 'ulimit outside 0..1048576 with soft <= hard: nofile=4096:1024']);
  const withMount = admit({ mounts: [{ target: '/in', archive_b64: 'H4sI' }] });
  assert.equal(withMount.ok, false);
  assert.match(refusal(withMount)?.[2] ?? '', /^mounts are not supported by this broker yet/);
});
