/**
 * A challenge built from challenge-template/, compiled from a desired state without a `hardening:` section and run
 * on the test bed's Swarm: its task carries the default hardening, and inside its container the root is read-only,
 * /data and /tmp are writable, /tmp is noexec, root has no capability (chown, mknod fail) and a fork loop stops at
 * the 512-process limit while the challenge keeps answering /health.
 *
 * Objects are named t-harden-<id>-* and labelled base.test=<id>; after() removes exactly those.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile, externalSecretNames } from '../../plan/compile.ts';
import type { Intent } from '../../plan/model.ts';
import { createObjects, intoTestNamespace, removeObjects } from '../../plan/test/support/test-objects.ts';
import { testbedDocker } from '../../testbed/docker.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';
import { waitUntil } from '../../testbed/test-objects.ts';
import { REPO_ROOT } from './support.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const id = `harden-${randomBytes(3).toString('hex')}`;
const prefix = `t-${id}-`;
const service = `${prefix}challenge-probe`;
const network = `${prefix}net`;
let work = '';
let containerId = '';

/** `docker …` against the test bed engine; never rejects (exit codes are what these tests look at). */
function dockerRun(args: string[]) {
  return execa('docker', args, { env: { DOCKER_HOST: endpoints.docker.host }, reject: false, all: true });
}
/** A shell command inside the challenge's container, as its user (uid 1000) or as root (uid 0). */
const inside = (script: string, user = '1000') => dockerRun(['exec', '--user', user, containerId, '/bin/sh', '-c', script]);

/** GET /health of the challenge over its overlay, from a throwaway container on that network. */
async function health(): Promise<{ status: number; body: string }> {
  const script = `fetch('http://${service}:8000/health').then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { process.stderr.write(String(e)); process.exit(1); })`;
  const run = await dockerRun(['run', '--rm', '--label', `base.test=${id}`, '--network', network, '--entrypoint', '/usr/bin/node', endpoints.baseImage.ref, '-e', script]);
  if (run.exitCode !== 0) throw new Error(`/health unreachable: ${run.all}`);
  return JSON.parse(run.stdout) as { status: number; body: string };
}

/** The template's image (dist/ built as the author's `npm run build` does), pushed to the test bed's registry. */
async function templateImage(): Promise<string> {
  work = await mkdtemp(path.join(tmpdir(), `base-itest-${id}-`));
  const dir = path.join(work, 'challenge');
  await cp(path.join(REPO_ROOT, 'challenge-template'), dir, { recursive: true, filter: (source) => !/[/\\](node_modules|dist)$/.test(source) });
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await execa(process.execPath, ['scripts/build.mjs'], { cwd: dir });
  const image = await buildTestImage(endpoints, {
    repository: 'base-test/hardened-template',
    dockerfile: await readFile(path.join(dir, 'Dockerfile'), 'utf8'),
    files: {
      'dist/server.cjs': await readFile(path.join(dir, 'dist/server.cjs')),
      'dist/better_sqlite3.node': await readFile(path.join(dir, 'dist/better_sqlite3.node')),
    },
  });
  return image.ref;
}

before(async () => {
  const image = await templateImage();
  const doc = {
    version: 1,
    subnet: { name: 'harden', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 60 },
    master: { image },
    // Attachable, so the /health probe container can join it.
    networks: [{ name: 'net', encrypted: true, attachable: true }],
    challenges: [{ slug: 'probe', name: 'Probe', image, status: 'active', emission_percent: 10 }],
  };
  const state = requireValid(parseDesiredState(stringify(doc), 'harden.yaml'));
  const intents = intoTestNamespace(compile(state, { tokenSecretNames: { probe: 'challenge-probe-token-0123456789ab' } }), prefix, id).filter((i: Intent) => {
    if (i.kind === 'network') return true;
    if (i.kind === 'service') return i.slug !== null; // not the master
    return (i.kind === 'secret' || i.kind === 'volume') && i.name.startsWith(`${prefix}challenge-`);
  });
  await createObjects(docker, intents, externalSecretNames(intents), id);
  containerId = await waitUntil('the hardened challenge to run and answer /health', async () => {
    const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [service], 'desired-state': ['running'] }) })) as Array<{ Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } } }>;
    const running = tasks.find((t) => t.Status?.State === 'running');
    if (!running) return undefined;
    const answer = await health();
    return answer.status === 200 ? running.Status?.ContainerStatus?.ContainerID : undefined;
  }, 120_000, 1000);
});

after(async () => {
  await removeObjects(docker, prefix, id);
  const left = await dockerRun(['ps', '-aq', '--filter', `label=base.test=${id}`]);
  for (const container of left.stdout.split('\n').filter(Boolean)) await dockerRun(['rm', '-f', container]);
  if (work) await rm(work, { recursive: true, force: true });
});

test('docker inspect of its task and container shows the default hardening', async () => {
  const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [service], 'desired-state': ['running'] }) })) as Array<{ Spec: Docker.ContainerTaskSpec }>;
  const spec = tasks[0]!.Spec;
  const c = spec.ContainerSpec!;
  assert.deepEqual(
    { ReadOnly: c.ReadOnly, Init: c.Init, CapabilityDrop: c.CapabilityDrop, CapabilityAdd: c.CapabilityAdd, Ulimits: c.Ulimits, Pids: spec.Resources?.Limits?.Pids },
    { ReadOnly: true, Init: true, CapabilityDrop: ['ALL'], CapabilityAdd: undefined, Ulimits: [{ Name: 'nofile', Hard: 1024, Soft: 1024 }], Pids: 512 },
  );
  assert.deepEqual(c.Mounts?.map((m) => [m.Type, m.Target]), [['tmpfs', '/tmp'], ['volume', '/data']]);
  const host = (await docker.getContainer(containerId).inspect()).HostConfig as unknown as Record<string, unknown>;
  assert.deepEqual(
    { ReadonlyRootfs: host.ReadonlyRootfs, Init: host.Init, CapDrop: host.CapDrop, PidsLimit: host.PidsLimit },
    { ReadonlyRootfs: true, Init: true, CapDrop: ['ALL'], PidsLimit: 512 },
  );
});

test('writing to / fails; /data and /tmp are writable; the SQLite WAL lives on /data', async () => {
  const root = await inside('echo x > /probe');
  assert.notEqual(root.exitCode, 0);
  assert.match(root.all ?? '', /Read-only file system/);
  const etc = await inside('echo x > /etc/probe');
  assert.match(etc.all ?? '', /Read-only file system/);
  assert.equal((await inside('echo x > /data/probe && cat /data/probe')).stdout, 'x');
  assert.equal((await inside('echo y > /tmp/probe && cat /tmp/probe')).stdout, 'y');
  // The template keeps its database (and its -wal/-shm files) on the volume: nothing else needs writing.
  const files = (await inside('ls /data')).stdout.split('\n');
  assert.ok(files.includes('challenge.sqlite3') && files.includes('challenge.sqlite3-wal'), files.join(' '));
  const tmpfs = (await inside('grep " /tmp " /proc/mounts')).stdout;
  assert.match(tmpfs, /^tmpfs \/tmp tmpfs .*\bnosuid\b/);
  assert.match(tmpfs, /\bnoexec\b/);
  assert.match(tmpfs, /size=524288k/);
});

test('a program copied to /tmp cannot be executed (noexec)', async () => {
  const run = await inside('cp /bin/busybox /tmp/bb && chmod 755 /tmp/bb && /tmp/bb true');
  assert.notEqual(run.exitCode, 0);
  assert.match(run.all ?? '', /Permission denied/);
});

test('root inside it has no capability: chown and mknod fail', async () => {
  assert.equal((await inside('id -u', '0')).stdout, '0');
  const chown = await inside('echo z > /tmp/owned && chown 1000:1000 /tmp/owned', '0');
  assert.notEqual(chown.exitCode, 0);
  assert.match(chown.all ?? '', /Operation not permitted/);
  const mknod = await inside('mknod /tmp/null c 1 3', '0');
  assert.notEqual(mknod.exitCode, 0);
  assert.match(mknod.all ?? '', /Operation not permitted/);
  const status = (await inside('grep CapEff /proc/self/status', '0')).stdout;
  assert.match(status, /CapEff:\s+0000000000000000/);
});

test('a fork loop stops at the 512-process limit while the challenge keeps answering /health', { timeout: 120_000 }, async () => {
  // Up to 700 background sleeps; the kernel refuses the forks past the limit (EAGAIN).
  // Their output goes elsewhere, so the exec returns when the loop ends and the sleeps hold the limit meanwhile.
  const loop = await inside('i=0; while [ $i -lt 700 ]; do sleep 45 </dev/null >/dev/null 2>&1 & i=$((i+1)); done; echo looped', '1000');
  assert.match(loop.all ?? '', /can't fork|Resource temporarily unavailable/, loop.all);
  const pids = Number((await dockerRun(['stats', '--no-stream', '--format', '{{.PIDs}}', containerId])).stdout.trim());
  assert.ok(pids <= 512, `at most 512 processes, found ${pids}`);
  assert.ok(pids >= 500, `the loop filled the limit, found ${pids} processes`);
  const answer = await health();
  assert.equal(answer.status, 200, answer.body);
});
