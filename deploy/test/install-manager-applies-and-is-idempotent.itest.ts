/**
 * install-manager.sh --apply on a fresh host: a Docker engine of its own in a network namespace (deploy/test/
 * netns-engine.ts), not yet in any Swarm — so the run initialises the Swarm, generates the admin token into a 0600
 * file and a Swarm secret (stdin), makes the state folder, pulls the master image, and base apply brings up the
 * networks, the master service (its signing key minted by the reconciler) and the challenge. A second --apply
 * changes nothing: same service versions, tasks, secrets and networks.
 *
 * Own engine, own Swarm: the fixed master names (`base-master`, published port) never clash with the test bed's
 * Swarm or a running demo. The first test's master is a stand-in that answers with hashes of the two secrets it
 * finds mounted (proving what the installer and the reconciler created); the second builds the repository's
 * Dockerfile with --build --base-image and checks the real master's /health.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { testImages } from '../../reconciler/apply/test/support.ts';
import { readTestbedEndpoints } from '../../reconciler/testbed/endpoints.ts';
import { buildTestImage } from '../../reconciler/testbed/images.ts';
import { waitUntil } from '../../reconciler/testbed/test-objects.ts';
import { startNetnsEngine, type NetnsEngine } from './netns-engine.ts';
import { DEPLOY, REPO_ROOT } from './support.ts';

const STANDIN_MASTER = `
const http = require('http'); const fs = require('fs'); const crypto = require('crypto');
process.on('SIGTERM', () => process.exit(0));
const sha = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ admin_token_sha256: sha(process.env.BASE_ADMIN_TOKEN_FILE), signing_key_sha256: sha(process.env.BASE_MASTER_SIGNING_KEY_FILE) }));
}).listen(Number(process.env.BASE_MASTER_PORT));
`;
const DOCKERFILE = ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'COPY . /app/', 'USER node', 'CMD ["/usr/bin/node", "/app/master.js"]', ''].join('\n');

let engine: NetnsEngine | null = null;
let dir = '';
const prefix = `tinst${randomBytes(2).toString('hex')}`;
const PORT = 18088;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), `base-itest-${prefix}-`));
  engine = await startNetnsEngine('mgr');
});
after(async () => {
  await engine?.stop(); // the whole engine goes, with its Swarm, services, secrets, volumes and images
  await rm(dir, { recursive: true, force: true });
});

function installManager(file: string, stateDir: string, tokenFile: string, extra: string[] = [], on: NetnsEngine = engine!) {
  return execa('bash', [
    path.join(DEPLOY, 'install-manager.sh'), '--apply', '--advertise-addr', on.address,
    '--desired-state', file, '--state-dir', stateDir, '--admin-token-file', tokenFile, '--rollout-timeout', '120',
    // This throwaway engine starts without a daemon.json (the templates are tested in daemon-templates-run-a-swarm-node).
    '--allow-new-privileges', ...extra,
  ], { reject: false, cwd: REPO_ROOT, env: { DOCKER_HOST: on.dockerHost, BASE_ADMIN_TOKEN: '' }, stdin: 'ignore' });
}

async function snapshot(): Promise<Record<string, string>> {
  const docker = engine!.docker;
  const out: Record<string, string> = {};
  for (const line of (await docker(['service', 'ls', '--format', '{{.ID}} {{.Name}}'])).stdout.split('\n').filter(Boolean)) {
    const [id, name] = line.split(' ') as [string, string];
    const info = JSON.parse((await docker(['service', 'inspect', id])).stdout)[0] as { Version: { Index: number } };
    out[`service ${name}`] = `${id} v${info.Version.Index}`;
    out[`tasks ${name}`] = (await docker(['service', 'ps', '-q', '--no-trunc', id])).stdout.split('\n').sort().join(',');
  }
  for (const kind of ['secret', 'network', 'volume'] as const) {
    const format = kind === 'volume' ? '{{.Name}}' : '{{.ID}} {{.Name}}';
    out[kind] = (await docker([kind, 'ls', '--format', format])).stdout.split('\n').sort().join(',');
  }
  return out;
}

test('install-manager --apply on a fresh host: Swarm, admin token, state folder, image, then the master service and the challenges; a second run changes nothing', { timeout: 600_000 }, async (t) => {
  const endpoints = readTestbedEndpoints();
  const { http } = await testImages();
  const standin = (await buildTestImage(endpoints, { repository: 'base-test/master-standin', files: { 'master.js': STANDIN_MASTER }, dockerfile: DOCKERFILE })).ref;
  const file = path.join(dir, 'subnet.yaml');
  await writeFile(file, stringify({
    version: 1,
    subnet: { name: 'itest', netuid: 2, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
    master: { image: standin, port: PORT, admin_token_secret: `${prefix}-admin-token` },
    networks: [{ name: `${prefix}-net`, encrypted: true, mtu: 1450, attachable: true }],
    challenges: [
      { slug: `${prefix}-a`, name: 'Test a', image: http, status: 'active', emission_percent: 10 },
      { slug: `${prefix}-b`, name: 'Test b', image: http, status: 'active', emission_percent: 20 },
    ],
  }));
  const stateDir = path.join(dir, 'state');
  const tokenFile = path.join(dir, 'etc', 'admin-token');

  const started = Date.now();
  const first = await installManager(file, stateDir, tokenFile);
  const firstMs = Date.now() - started;
  assert.equal(first.exitCode, 0, `${first.stdout}\n${first.stderr}`);
  assert.match(first.stdout, new RegExp(`run +docker swarm init --advertise-addr ${engine!.address.replace(/\./g, '\\.')}`));
  assert.equal((await engine!.docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'])).stdout, 'active true');

  const adminToken = (await readFile(tokenFile, 'utf8')).trim();
  assert.match(adminToken, /^[0-9a-f]{64}$/, 'a generated admin token');
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
  const seed = (await readFile(path.join(stateDir, 'master-signing-key.seed'), 'utf8')).trim();
  for (const output of [first.stdout, first.stderr]) {
    assert.ok(!output.includes(adminToken), 'the admin token is never printed');
    assert.ok(!output.includes(seed), 'the signing key seed is never printed');
  }
  const adminSecret = JSON.parse((await engine!.docker(['secret', 'inspect', `${prefix}-admin-token`])).stdout)[0] as { Spec: { Labels: Record<string, string> } };
  assert.equal(adminSecret.Spec.Labels['base.role'], 'admin-token');

  // The master runs with both secrets mounted and answers on its published host port.
  const answer = await waitUntil(`the master on ${engine!.address}:${PORT}`, async () => {
    const response = await fetch(`http://${engine!.address}:${PORT}/`).catch(() => null);
    return response?.ok ? ((await response.json()) as { admin_token_sha256: string; signing_key_sha256: string }) : undefined;
  }, 60_000, 500);
  assert.equal(answer.admin_token_sha256, createHash('sha256').update(adminToken).digest('hex'), 'the master reads the admin token the installer created');
  assert.equal(answer.signing_key_sha256, createHash('sha256').update(seed).digest('hex'), 'the master reads the signing key base apply minted');
  const services = (await engine!.docker(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}'])).stdout.split('\n').sort();
  assert.deepEqual(services, ['base-master 1/1', `challenge-${prefix}-a 1/1`, `challenge-${prefix}-b 1/1`]);
  for (const slug of [`${prefix}-a`, `${prefix}-b`]) {
    const fetched = await engine!.docker(['run', '--rm', '--network', `${prefix}-net`, http, '/usr/bin/node', '-e',
      `fetch('http://challenge-${slug}:8000/').then(async r => process.stdout.write(await r.text()))`], { reject: false });
    assert.equal(fetched.stdout, `ok ${slug}`, `challenge ${slug} answers on the overlay: ${fetched.stderr}`);
  }

  const before = await snapshot();
  const again = Date.now();
  const second = await installManager(file, stateDir, tokenFile);
  const secondMs = Date.now() - again;
  assert.equal(second.exitCode, 0, `${second.stdout}\n${second.stderr}`);
  assert.match(second.stdout, /skip: this engine already manages a Swarm/);
  assert.match(second.stdout, new RegExp(`skip: secret ${prefix}-admin-token exists`));
  assert.match(second.stdout, /skip: image present/);
  assert.match(second.stdout, /No changes\. Live state matches desired-state\./);
  assert.doesNotMatch(second.stdout, /docker swarm init|docker secret create|docker pull/);
  assert.deepEqual(await snapshot(), before, 'the second run changed no service version, task, secret, network or volume');
  assert.equal((await readFile(tokenFile, 'utf8')).trim(), adminToken, 'the token file is kept');
  t.diagnostic(`install-manager --apply on a fresh engine: first run ${firstMs} ms, second (no-op) run ${secondMs} ms`);
});

test('install-manager --apply --build --base-image builds the repository Dockerfile and runs the real master (base serve) healthy; a second run changes nothing', { timeout: 900_000 }, async (t) => {
  const endpoints = readTestbedEndpoints();
  const own = await startNetnsEngine('bld');
  t.after(() => own.stop());
  // The operator's host has the base image locally; here it comes from the test bed registry.
  await own.docker(['pull', endpoints.baseImage.registryRef]);
  await own.docker(['tag', endpoints.baseImage.registryRef, endpoints.baseImage.ref]);
  const image = `base-itest/master:${prefix}`;
  const file = path.join(dir, 'subnet-build.yaml');
  await writeFile(file, stringify({
    version: 1,
    subnet: { name: 'itest', netuid: 2, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
    master: { image, port: PORT, admin_token_secret: `${prefix}-admin-token` },
    networks: [{ name: `${prefix}-net`, encrypted: true, mtu: 1450, attachable: true }],
    challenges: [],
  }));
  const stateDir = path.join(dir, 'state-build');
  const tokenFile = path.join(dir, 'etc-build', 'admin-token');
  const build = ['--build', '--base-image', endpoints.baseImage.ref];

  const started = Date.now();
  const first = await installManager(file, stateDir, tokenFile, build, own);
  const firstMs = Date.now() - started;
  assert.equal(first.exitCode, 0, `${first.stdout}\n${first.stderr}`);
  assert.match(first.stdout, new RegExp(`DOCKER_BUILDKIT=0 docker build --tag ${image.replace(/[/.]/g, '\\$&')} --build-arg BASE_IMAGE=`));
  const health = await waitUntil(`the master's /health on ${own.address}:${PORT}`, async () => {
    const response = await fetch(`http://${own.address}:${PORT}/health`).catch(() => null);
    return response?.status === 200 ? await response.text() : undefined;
  }, 90_000, 500);
  assert.ok(health.length > 0);
  assert.deepEqual((await own.docker(['service', 'ls', '--format', '{{.Name}} {{.Replicas}}'])).stdout.split('\n'), ['base-master 1/1']);

  const service = async () => (await own.docker(['service', 'inspect', '--format', '{{.ID}} {{.Version.Index}}', 'base-master'])).stdout;
  const tasks = async () => (await own.docker(['service', 'ps', '-q', '--no-trunc', 'base-master'])).stdout;
  const [serviceBefore, tasksBefore] = [await service(), await tasks()];
  const again = Date.now();
  const second = await installManager(file, stateDir, tokenFile, build, own);
  const secondMs = Date.now() - again;
  assert.equal(second.exitCode, 0, `${second.stdout}\n${second.stderr}`);
  assert.match(second.stdout, /No changes\. Live state matches desired-state\./);
  assert.equal(await service(), serviceBefore, 'the rebuild (from cache) changed nothing in the service');
  assert.equal(await tasks(), tasksBefore);
  t.diagnostic(`install-manager --apply --build: first run ${firstMs} ms (build + apply), second run ${secondMs} ms`);
});
