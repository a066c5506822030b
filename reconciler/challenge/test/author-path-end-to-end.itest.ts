/**
 * A challenge author's path, end to end on the test bed, exactly as AUTHORS.md tells it:
 *   base challenge create → npm run build + docker build → docker push → subnet.yaml entry + base pin →
 *   base plan --against the previous revision (the Markdown names the new service) → base apply →
 *   a miner submits through the master's proxy → the next sealed vector gives that miner's uid its share.
 *
 * The master is this test's own Swarm service (`master.service_name: t-e2e-<id>-master`, with its own data volume,
 * signing-key secret, network and port), so the test runs beside `make demo`'s base-master and touches nothing of it.
 *
 * The epoch is sealed by the master's own weights loop: the reconciler mounts every active challenge's token into
 * the master service (/run/secrets/base/tokens/<slug>) with its signing key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { u8aToHex } from '@polkadot/util';
import { execa } from 'execa';
import { openStateDir } from '../../state/index.ts';
import { dockerCli, testbedDocker } from '../../testbed/docker.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { deleteRegistryManifest, registryManifestDigest } from '../../testbed/registry.ts';
import { waitUntil } from '../../testbed/test-objects.ts';
import { verifyVector } from '../../weights/seal.ts';
import { loadSigningKey } from '../../weights/signing-key.ts';

const run = promisify(execFile);
const ROOT = resolve('.');
const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const id = randomBytes(4).toString('hex');
const slug = `author-${id}`;
const network = `t-e2e-${id}-net`;
const adminSecret = `t-e2e-${id}-admin`;
const repoPrefix = `t-e2e-${id}`;
const registry = endpoints.registry.address;
const challengeImage = `${registry}/${repoPrefix}/challenge-${slug}:0.1.0`;
const masterImage = `${registry}/${repoPrefix}/master:dev`;
const masterBaseImage = `${registry}/${repoPrefix}/master-base:dev`;
const masterService = `t-e2e-${id}-master`;
const MASTER_PORT = 18380;
const origin = `http://127.0.0.1:${MASTER_PORT}`;
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
/** Apply only touches objects with these name prefixes (the master's service, volume and secret start with t-e2e-). */
const scope = [`challenge-${slug}`, `t-e2e-${id}`];

const work = mkdtempSync(join(tmpdir(), 'author-path-'));
const repo = join(work, 'subnet');
const stateDir = join(work, 'reconciler-state');
const subnetFile = join(repo, 'desired-state', 'subnet.yaml');
const pushed: Array<{ repository: string; tag: string }> = [];
let createdMaster = false;

function base(...args: string[]) {
  return run(process.execPath, [join(ROOT, 'bin/base.mjs'), ...args], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
}
const git = (...args: string[]) => run('git', ['-c', 'user.name=author', '-c', 'user.email=author@example.invalid', ...args], { cwd: repo });

async function buildAndPush(image: string, context: string, buildArgs: string[], dockerfile?: string): Promise<void> {
  await dockerCli(endpoints, ['build', '--quiet', ...(dockerfile ? ['--file', dockerfile] : []), ...buildArgs, '--label', `base.test=${repoPrefix}`, '--tag', image, context]);
  await dockerCli(endpoints, ['push', image]);
  const [repository, tag] = image.slice(registry.length + 1).split(':') as [string, string];
  if (!pushed.some((p) => p.repository === repository && p.tag === tag)) pushed.push({ repository, tag });
}

after(async () => {
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => fn().catch((error: Error) => errors.push(`${what}: ${error.message}`));
  const services = [`challenge-${slug}`, ...(createdMaster ? [masterService] : [])];
  for (const name of services) await attempt(`service ${name}`, () => docker.getService(name).remove());
  // Tasks let go of the network, volume and secrets before those can go.
  await waitUntil('the test services to be gone', async () => {
    // One query per service: several label filters in one query must all match.
    for (const service of services) {
      const left = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`com.docker.swarm.service.name=${service}`] }) });
      if (left.length > 0) return undefined;
    }
    return true;
  }, 60_000, 500).catch(() => undefined);
  const signingKeySecret = await openStateDir(stateDir).masterSigningKeySecretName(masterService).catch(() => null);
  const secrets = await docker.listSecrets({ filters: JSON.stringify({ label: [`base.challenge.slug=${slug}`] }) });
  for (const secret of secrets) await attempt(`secret ${secret.Spec?.Name}`, () => docker.getSecret(secret.ID).remove());
  if (signingKeySecret && createdMaster) await attempt(`secret ${signingKeySecret}`, () => docker.getSecret(signingKeySecret).remove());
  await attempt(`secret ${adminSecret}`, () => docker.getSecret(adminSecret).remove());
  await attempt(`volume challenge-${slug}-data`, () => docker.getVolume(`challenge-${slug}-data`).remove());
  if (createdMaster) await attempt(`volume ${masterService}-data`, () => docker.getVolume(`${masterService}-data`).remove());
  await attempt(`network ${network}`, () => docker.getNetwork(network).remove());
  for (const { repository, tag } of pushed) {
    const digest = await registryManifestDigest(endpoints, repository, tag).catch(() => undefined);
    if (digest) await attempt(`manifest ${repository}`, () => deleteRegistryManifest(endpoints, repository, digest));
    await attempt(`image ${repository}:${tag}`, () => dockerCli(endpoints, ['image', 'rm', `${registry}/${repository}:${tag}`]));
  }
  // What is left of this test's images (untagged after a tag moved), children before parents.
  for (let pass = 0; pass < 2; pass++) {
    const images = await docker.listImages({ filters: JSON.stringify({ label: [`base.test=${repoPrefix}`] }) });
    for (const image of images.sort((a, b) => b.Created - a.Created)) await docker.getImage(image.Id).remove().catch(() => undefined);
  }
  if ((await docker.listImages({ filters: JSON.stringify({ label: [`base.test=${repoPrefix}`] }) })).length > 0) errors.push(`images labelled base.test=${repoPrefix} remain`);
  rmSync(work, { recursive: true, force: true });
  if (errors.length > 0) process.stderr.write(`author-path cleanup: ${errors.join('; ')}\n`);
});

test("a challenge author's path: create, build, push, pin, plan in the PR, apply, a miner submits, the next vector pays its uid", { timeout: 15 * 60_000 }, async () => {
  // The subnet repository at its previous revision: a master, a network, no challenge yet.
  mkdirSync(join(repo, 'desired-state'), { recursive: true });
  const previous = `# The subnet's desired state (author-path test).
version: 1
subnet:
  name: author-path
  netuid: 2
  environment: development
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 30
  burn_uid: 0
master:
  image: ${masterImage}
  service_name: ${masterService}
  port: ${MASTER_PORT}
  admin_token_secret: ${adminSecret}
networks:
  - name: ${network}
    encrypted: true
    mtu: 1450
challenges:
development_metagraph:
  ${ALICE}: 1
  5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty: 2
`;
  writeFileSync(subnetFile, previous.replace('challenges:\n', 'challenges: []\n'));
  // The master image the subnet runs already (the operator's; the repository Dockerfile).
  await buildAndPush(masterBaseImage, ROOT, ['--build-arg', `BASE_IMAGE=${endpoints.baseImage.ref}`]);
  await dockerCli(endpoints, ['tag', masterBaseImage, masterImage]);
  await dockerCli(endpoints, ['push', masterImage]);
  pushed.push({ repository: `${repoPrefix}/master`, tag: 'dev' });
  await base('pin', 'desired-state/subnet.yaml');
  const previousPinned = readFileSync(subnetFile, 'utf8');
  await run('git', ['init', '-q'], { cwd: repo });
  await git('add', '.');
  await git('commit', '-qm', 'subnet without the new challenge');

  // 1. create
  const challengeDir = join(work, `challenge-${slug}`);
  const created = await base('challenge', 'create', slug, '--out', challengeDir, '--image', `${registry}/${repoPrefix}/challenge-${slug}`);
  const stanza = created.stdout.slice(created.stdout.indexOf('subnet.yaml entry:\n') + 'subnet.yaml entry:\n'.length);
  assert.match(stanza, new RegExp(`- slug: ${slug}\\n`));

  // 2. build (npm ci would install what this repository's node_modules already holds) and 3. push
  symlinkSync(join(ROOT, 'node_modules'), join(challengeDir, 'node_modules'), 'dir');
  await run(process.execPath, ['scripts/build.mjs'], { cwd: challengeDir });
  await buildAndPush(challengeImage, challengeDir, ['--build-arg', `BASE_IMAGE=${endpoints.baseImage.ref}`]);

  // 4. the entry under challenges:, then base pin
  writeFileSync(subnetFile, previousPinned.replace('challenges: []\n', `challenges:\n${stanza.replace('emission_percent: 10', 'emission_percent: 50')}`));
  const pinned = await base('pin', 'desired-state/subnet.yaml');
  assert.match(pinned.stdout, /pinned 1 of 2 images/);
  assert.match(readFileSync(subnetFile, 'utf8'), new RegExp(`image: ${challengeImage.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}`));
  await base('validate', 'desired-state/subnet.yaml');

  // 5. the plan CI comments on the pull request: against the previous revision, naming the new service
  const planned = await base('plan', 'desired-state/subnet.yaml', '--against', 'HEAD', '--markdown');
  assert.match(planned.stdout, new RegExp(`\\| ➕ create \\| service \\| \`challenge-${slug}\` \\|`));
  assert.match(planned.stdout, /Plan: 3 to add, 1 to change, 0 to destroy/);
  await git('commit', '-qam', `add challenge ${slug}`);

  // 6. the operator merges and applies; no new master image: the apply records the applied desired state in its
  // state folder, which the master mounts and reads (the image's own copy knows nothing of this challenge)
  await execa('docker', ['secret', 'create', '--label', `base.test=${repoPrefix}`, adminSecret, '-'], { input: randomBytes(24).toString('hex'), env: { DOCKER_HOST: endpoints.docker.host } });
  createdMaster = true;
  const applied = await base('apply', 'desired-state/subnet.yaml', '--auto-approve', '--state-dir', stateDir, '--only-prefix', ...scope);
  assert.match(applied.stdout, /Apply complete: \d+ succeeded, 0 failed/);

  // 7. a miner, through the master's public proxy
  await waitUntil('the challenge through the proxy', async () => ((await fetch(`${origin}/challenges/${slug}/task`)).ok ? true : undefined), 120_000, 1000);
  const task = (await (await fetch(`${origin}/challenges/${slug}/task`)).json()) as { numbers: number[] };
  const answer = task.numbers.reduce((a, b) => a + b, 0);
  const submitted = await fetch(`${origin}/challenges/${slug}/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hotkey: ALICE, answer }),
  });
  assert.equal(submitted.status, 201);

  // 8. the next sealed vector, sealed by the master's own weights loop (the reconciler mounts the challenge's token
  // into the master service): Alice (uid 1) gets the challenge's whole 50 %, the rest burns to uid 0
  const vector = await waitUntil(
    'the master to seal an epoch that pays the miner',
    async () => {
      const response = await fetch(`${origin}/v1/weights/latest`);
      if (!response.ok) return undefined;
      const body = (await response.json()) as { epoch: number; uids: number[]; weights: number[]; hotkey_weights: Record<string, number> };
      return body.uids.includes(1) ? body : undefined;
    },
    120_000,
    1000,
  );
  const signer = await loadSigningKey(join(stateDir, 'master-signing-key.seed'));
  assert.deepEqual(verifyVector(vector, u8aToHex(signer.publicKey)), { ok: true });
  assert.deepEqual(vector.uids, [0, 1]);
  assert.ok(Math.abs((vector.hotkey_weights[ALICE] ?? 0) - 0.5) < 1e-12, JSON.stringify(vector.hotkey_weights));
  assert.ok(Math.abs((vector.weights[1] ?? 0) - 0.5) < 1e-12);
});
