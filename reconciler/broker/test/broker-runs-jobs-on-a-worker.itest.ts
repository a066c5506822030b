/**
 * Real Swarm (test bed): the broker's reference-compatible routes run jobs as services on the test bed's CPU worker.
 * Owns runs of the slug t-broker-<id> (labels base.managed-by=base-broker, base.challenge.slug=t-broker-<id>), removed
 * at the end; labels the worker base.workload=cpu for the duration and restores its labels after. Per-run overlays are
 * unencrypted here: this kernel has no XFRM (deploy/testbed/README.md).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { effectiveJobsPolicy } from '../../desired-state/broker-policy.ts';
import { formatImageRef, parseImageRef } from '../../desired-state/image-ref.ts';
import { dockerClient } from '../../live/observe.ts';
import { testbedDockerSocket, testbedRegistryImage } from '../../plan/test/support/test-objects.ts';
import type { BrokerPolicy } from '../policy.ts';
import { admitRun } from '../admit-run.ts';
import { compileRun } from '../compile-run.ts';
import { reapOnce } from '../reap-once.ts';
import { parseRunRequest } from '../run-request.ts';
import { createBrokerServer } from '../server.ts';
import { SwarmRunBackend } from '../swarm-backend.ts';

type NodeSpec = { Labels?: Record<string, string> } & Record<string, unknown>;

const socket = testbedDockerSocket();
const image = testbedRegistryImage();
const skip = socket && image ? false : 'no test bed';
const SLUG = `t-broker-${randomBytes(3).toString('hex')}`;
const TOKEN = randomBytes(24).toString('hex');
const WORKER = 'worker-cpu-1';

let docker: Docker;
let origin = '';
let close: () => Promise<void> = async () => undefined;
let restoreWorker: () => Promise<void> = async () => undefined;

function policy(maxConcurrent = 1): BrokerPolicy {
  const ref = parseImageRef(image ?? '');
  const repository = ref ? formatImageRef({ ...(ref.registry ? { registry: ref.registry } : {}), repository: ref.repository }) : '';
  return {
    revision: 'itest',
    production: false,
    grants: new Map([[SLUG, effectiveJobsPolicy({ images: [repository], classes: ['cpu'], max_concurrent: maxConcurrent, per_job: { max_timeout_seconds: 900 } })]]),
    defaults: { queue_timeout_seconds: 600, stop_grace_seconds: 1 },
    datasets: new Map(),
    global: { max_concurrent: 32, max_concurrent_gpus: 0 },
    maxRequestBytes: 1024 * 1024,
    tokenHashes: new Map([[SLUG, createHash('sha256').update(TOKEN).digest('hex')]]),
    finishedJobSeconds: 60,
    logCapBytes: 1024 * 1024,
  };
}

async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'x-base-challenge-slug': SLUG }) {
  const response = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, retryAfter: response.headers.get('retry-after') };
}

const run = (command: string[], extra: Record<string, unknown> = {}) => post('/v1/docker/run', { job_id: 'itest', image, command, timeout_seconds: 120, ...extra });

async function leftovers(): Promise<string[]> {
  const services = await docker.listServices({ filters: { label: [`base.challenge.slug=${SLUG}`] } });
  const networks = await docker.listNetworks({ filters: { label: [`base.challenge.slug=${SLUG}`] } });
  return [...services.map((s) => `service ${s.Spec?.Name}`), ...networks.map((n) => `network ${n.Name}`)];
}

before(async () => {
  if (skip) return;
  docker = dockerClient(socket!);
  const node = docker.getNode(WORKER);
  const inspected = (await node.inspect()) as { Version: { Index: number }; Spec: NodeSpec };
  const labels = { ...(inspected.Spec.Labels ?? {}) };
  await node.update({ version: inspected.Version.Index, ...inspected.Spec, Labels: { ...labels, 'base.workload': 'cpu' } });
  restoreWorker = async () => {
    const now = (await node.inspect()) as { Version: { Index: number }; Spec: NodeSpec };
    await node.update({ version: now.Version.Index, ...now.Spec, Labels: labels });
  };
  const current = policy();
  const server = createBrokerServer({ policy: () => current, backend: new SwarmRunBackend(docker), mode: 'replicated', encryptNetwork: false, pollMs: 250 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});

after(async () => {
  if (skip) return;
  await close();
  for (const service of await docker.listServices({ filters: { label: [`base.challenge.slug=${SLUG}`] } })) await docker.getService(service.ID).remove().catch(() => undefined);
  for (const network of await docker.listNetworks({ filters: { label: [`base.challenge.slug=${SLUG}`] } })) await docker.getNetwork(network.Id).remove().catch(() => undefined);
  await restoreWorker();
});

test('a job runs on the CPU worker: its exit code, stdout and stderr apart, and nothing left behind', { skip }, async () => {
  const result = await run(['node', '-e', "process.stdout.write('to-stdout'); process.stderr.write('to-stderr'); process.exit(3)"]);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.deepEqual([result.body.returncode, result.body.stdout, result.body.stderr, result.body.timed_out, result.body.state], [3, 'to-stdout', 'to-stderr', false, 'failed']);
  assert.match(String(result.body.container_name), new RegExp(`^bj-${SLUG.slice(0, 20)}-`));
  assert.deepEqual(await leftovers(), []);
});

test('the job runs with a read-only root, a writable /tmp, no capabilities and the pids limit', { skip }, async () => {
  const probe = [
    'const fs = require("fs");',
    'let ro = "writable"; try { fs.writeFileSync("/probe", "x"); } catch (e) { ro = e.code; }',
    'fs.writeFileSync("/tmp/ok", "x");',
    'const caps = fs.readFileSync("/proc/self/status", "utf8").match(/CapEff:\\s*(\\w+)/)[1];',
    'const pidsFile = ["/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"].find((f) => fs.existsSync(f));',
    'const pids = fs.readFileSync(pidsFile, "utf8").trim();',
    'console.log(JSON.stringify({ ro, caps, pids }));',
  ].join(' ');
  const result = await run(['node', '-e', probe]);
  assert.equal(result.body.returncode, 0, String(result.body.stderr));
  const seen = JSON.parse(String(result.body.stdout).trim()) as { ro: string; caps: string; pids: string };
  assert.deepEqual([seen.ro, seen.caps, seen.pids], ['EROFS', '0000000000000000', '512']);
});

test('a job over its timeout answers 124 and is removed with its network', { skip }, async () => {
  const started = Date.now();
  const result = await run(['node', '-e', 'setTimeout(() => {}, 60000)'], { timeout_seconds: 8 });
  assert.deepEqual([result.body.returncode, result.body.timed_out], [124, true]);
  assert.ok(Date.now() - started < 20_000, 'answered within the budget');
  assert.deepEqual(await leftovers(), []);
});

test('cleanup releases a waiting run at once with 137; a second run at max_concurrent 1 gets the reference 429', { skip }, async () => {
  const waiting = run(['node', '-e', 'setTimeout(() => {}, 60000)'], { job_id: 'to-clean' });
  // Wait until the run exists, then try a second one while the first holds the only slot.
  for (let i = 0; i < 40 && (await leftovers()).length === 0; i += 1) await new Promise((r) => setTimeout(r, 250));
  const second = await run(['true'], { job_id: 'other' });
  assert.equal(second.status, 429);
  assert.equal(second.body.detail, `docker_quota_exceeded: challenge '${SLUG}' is at its concurrency cap (1/1 active workloads)`);
  assert.equal(second.retryAfter, '5');
  const listed = await post('/v1/docker/list', { job_id: 'to-clean' });
  assert.equal((listed.body.containers as unknown[]).length, 1);
  const cleaned = await post('/v1/docker/cleanup', { job_id: 'to-clean' });
  assert.deepEqual(cleaned.body, { status: 'ok' });
  const result = await waiting;
  assert.deepEqual([result.body.returncode, result.body.stderr, result.body.timed_out], [137, 'cancelled by cleanup', false]);
  assert.deepEqual(await leftovers(), []);
});

test('authentication and policy answer with the reference strings', { skip }, async () => {
  assert.deepEqual((await post('/v1/docker/run', {}, {})).body, { detail: 'missing challenge slug' });
  assert.deepEqual((await post('/v1/docker/run', {}, { 'x-base-challenge-slug': 'nobody' })).body, { detail: 'unknown challenge' });
  assert.deepEqual((await post('/v1/docker/run', {}, { 'x-base-challenge-slug': SLUG, authorization: 'Bearer wrong' })).body, { detail: 'invalid broker token' });
  const notAllowed = await run(['true'], { image: '127.0.0.1:5000/base/other:1.0.0' });
  assert.deepEqual([notAllowed.status, notAllowed.body.detail], [400, 'Docker image is not allowed: 127.0.0.1:5000/base/other:1.0.0']);
  const health = await fetch(`${origin}/health`);
  assert.deepEqual(await health.json(), { status: 'ok' });
});

test('the reaper, from Swarm objects alone: a run past its deadline is removed, the queued run behind it promoted', { skip }, async () => {
  const backend = new SwarmRunBackend(docker);
  const current = policy(1);
  const grant = current.grants.get(SLUG)!;
  const create = async (runId: string, queued: boolean, receivedAt: Date) => {
    const parsed = parseRunRequest({ job_id: 'reaper', image, command: ['node', '-e', 'setTimeout(() => {}, 120000)'], timeout_seconds: 60 });
    assert.ok(parsed.ok);
    const admission = admitRun(parsed.request, { slug: SLUG, grant, defaults: current.defaults, datasets: current.datasets, production: false });
    assert.ok(admission.ok);
    return backend.create(compileRun(admission.run, { runId, receivedAt, api: 'compat', mode: 'replicated', queued, policyRevision: 'itest', encryptNetwork: false }));
  };
  const suffix = randomBytes(4).toString('hex');
  // Received two minutes ago with a 60 s budget: past its deadline already.
  const overdue = await create(`overdue${suffix}`, false, new Date(Date.now() - 120_000));
  const waiting = await create(`waiting${suffix}`, true, new Date());
  const reports = await reapOnce(backend, current, Date.now() / 1000);
  assert.deepEqual(
    reports.map((r) => [r.action.kind, r.action.runId, r.error ?? null]),
    [
      ['stop', `overdue${suffix}`, null],
      ['promote', `waiting${suffix}`, null],
    ],
  );
  const remaining = await docker.listServices({ filters: { label: [`base.challenge.slug=${SLUG}`] } });
  assert.deepEqual(remaining.map((s) => [s.ID, s.Spec?.Mode?.Replicated?.Replicas]), [[waiting, 1]]);
  assert.ok(!remaining.some((s) => s.ID === overdue));
  // A second pass right away changes nothing: the promoted run is pending or running, within its budget.
  assert.deepEqual((await reapOnce(backend, current, Date.now() / 1000)).map((r) => r.action.kind), []);
  await backend.remove(waiting, `bjn-waiting${suffix}`);
  assert.deepEqual(await leftovers(), []);
});
