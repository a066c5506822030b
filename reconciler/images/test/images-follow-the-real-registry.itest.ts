/**
 * base images check / update against the test bed's registry: a semver range picks the right tag among several, a
 * moved latest is reported and committed (exactly the digest change) to a Git repository, a tag that vanished and
 * a range nothing satisfies are clear errors that write nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { dockerCli } from '../../testbed/docker.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage, type BuiltImage } from '../../testbed/images.ts';
import { deleteRegistryManifest, registryManifestDigest } from '../../testbed/registry.ts';

const run = promisify(execFile);
const endpoints = readTestbedEndpoints();
const repository = `t-images-${randomBytes(4).toString('hex')}/x`;
const name = `${endpoints.registry.address}/${repository}`;
const dir = mkdtempSync(join(tmpdir(), 'images-itest-'));
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function base(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [resolve('bin/base.mjs'), ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd })).stdout;

async function build(tag: string): Promise<BuiltImage> {
  const built = await buildTestImage(endpoints, { repository, tag, files: { 'server.js': `// ${tag} ${randomBytes(8).toString('hex')}\n` } });
  cleanups.push(() => deleteRegistryManifest(endpoints, repository, built.digest));
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', `${name}:${tag}`]));
  return built;
}

/** Points `latest` at an already pushed image (docker tag + docker push). */
async function moveLatest(to: BuiltImage): Promise<void> {
  await dockerCli(endpoints, ['tag', `${name}:${to.tag}`, `${name}:latest`]);
  await dockerCli(endpoints, ['push', `${name}:latest`]);
  assert.equal(await registryManifestDigest(endpoints, repository, 'latest'), to.digest);
}

const subnet = (master: string, challenge: string, policy: string) => `# yaml-language-server: $schema=../schemas/subnet.schema.json
version: 1
subnet:
  name: images-itest
  netuid: 2
  environment: development
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 12

master:
  image: ${master}   # follows latest
  update: { channel: latest }
networks:
  - name: images-itest-net

challenges:
  # The one challenge, on minor and patch releases.
  - slug: images-itest
    name: Images Itest
    image: "${challenge}"
    status: active
    emission_percent: 50
    update:
      semver: "${policy}"
`;

test('images check and update against the real registry: semver picks among tags, a moved latest is committed', async () => {
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', `${name}:latest`]));
  const v100 = await build('1.0.0');
  const v110 = await build('1.1.0');
  const v123 = await build('1.2.3');
  const v200 = await build('2.0.0');
  await moveLatest(v100);

  const repo = mkdtempSync(join(dir, 'repo-'));
  await git(repo, 'init', '--quiet', '--initial-branch=main');
  await git(repo, 'config', 'user.name', 'Images Itest');
  await git(repo, 'config', 'user.email', 'images-itest@example.invalid');
  const file = join(repo, 'subnet.yaml');
  const original = subnet(`${name}:latest@${v100.digest}`, `${name}:1.0.0@${v100.digest}`, '^1.0');
  writeFileSync(file, original);
  await git(repo, 'add', '.');
  await git(repo, 'commit', '--quiet', '-m', 'initial');

  // latest is where the file says; ^1.0 wants 1.2.3 (not 2.0.0, not 1.1.0).
  const first = await base('images', 'check', file, '--json');
  assert.equal(first.code, 2, first.stderr);
  const report = JSON.parse(first.stdout) as { updates: number; images: Array<{ path: string; action: string; to: string }> };
  assert.equal(report.updates, 1);
  assert.deepEqual(
    report.images.map((c) => [c.path, c.action, c.to]),
    [
      ['master.image', 'current', `${name}:latest@${v100.digest}`],
      ['challenges[0].image', 'update', `${name}:1.2.3@${v123.digest}`],
    ],
  );
  assert.notEqual(v110.digest, v123.digest);
  assert.notEqual(v200.digest, v123.digest);

  // Move latest: both images now have updates.
  await moveLatest(v200);
  const second = await base('images', 'check', file);
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stdout, new RegExp(`~ master\\.image \\(channel latest, mode commit\\)[^\\n]*\\n    ${name}:latest@${v100.digest}\\n  -> ${name}:latest@${v200.digest}\\n`));
  assert.match(second.stdout, /\n2 image updates, 0 current\.\n$/);

  const updated = await base('images', 'update', file);
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /committed 2 image updates as [0-9a-f]{12}\n$/);
  const expected = original.replace(`latest@${v100.digest}`, `latest@${v200.digest}`).replace(`1.0.0@${v100.digest}`, `1.2.3@${v123.digest}`);
  assert.equal(readFileSync(file, 'utf8'), expected);
  assert.equal((await git(repo, 'status', '--porcelain')).trim(), '');
  const diff = (await git(repo, 'diff', '--unified=0', 'HEAD~1', 'HEAD', '--', 'subnet.yaml')).split('\n').filter((l) => /^[-+][^-+]/.test(l));
  assert.deepEqual(diff, [
    `-  image: ${name}:latest@${v100.digest}   # follows latest`,
    `+  image: ${name}:latest@${v200.digest}   # follows latest`,
    `-    image: "${name}:1.0.0@${v100.digest}"`,
    `+    image: "${name}:1.2.3@${v123.digest}"`,
  ]);
  const message = await git(repo, 'log', '-1', '--format=%B');
  assert.match(message, /^images: update master\.image, challenges\[0\]\.image\n/);
  assert.ok(message.includes(`master.image: ${name}:latest@${v100.digest} -> ${name}:latest@${v200.digest}`), message);
  assert.ok(message.includes(`challenges[0].image: ${name}:1.0.0@${v100.digest} -> ${name}:1.2.3@${v123.digest}`), message);

  const current = await base('images', 'check', file, '--markdown');
  assert.equal(current.code, 0, current.stderr);
  assert.match(current.stdout, /\*\*No image updates\. 2 images are current\.\*\*/);
  assert.match((await base('validate', file)).stdout, /OK/);
});

test('a tag that vanished and a range nothing satisfies are clear errors, and nothing is written or committed', async () => {
  const v300 = await build('3.0.0');
  const edge = await build('edge');
  const repo = mkdtempSync(join(dir, 'repo-'));
  await git(repo, 'init', '--quiet', '--initial-branch=main');
  await git(repo, 'config', 'user.name', 'Images Itest');
  await git(repo, 'config', 'user.email', 'images-itest@example.invalid');
  const file = join(repo, 'subnet.yaml');
  const original = subnet(`${name}:edge@${edge.digest}`, `${name}:3.0.0@${v300.digest}`, '^9').replace('channel: latest', 'channel: edge');
  writeFileSync(file, original);
  await git(repo, 'add', '.');
  await git(repo, 'commit', '--quiet', '-m', 'initial');
  // The edge tag vanishes from the registry.
  await deleteRegistryManifest(endpoints, repository, edge.digest);
  assert.equal(await registryManifestDigest(endpoints, repository, 'edge'), undefined);

  for (const command of ['check', 'update']) {
    const result = await base('images', command, file);
    assert.equal(result.code, 1, `${command}: ${result.stdout}`);
    assert.match(result.stderr, /^error: cannot check the images; nothing written:\n/);
    assert.match(result.stderr, new RegExp(`subnet\\.yaml:11:10: master\\.image: ${repository}:edge not found at http://${endpoints.registry.address} \\(HTTP 404\\)`));
    assert.match(result.stderr, new RegExp(`subnet\\.yaml:20:12: challenges\\[0\\]\\.image: ${endpoints.registry.address}/${repository}: no tag satisfies \\^9 \\(the registry has SemVer tags [^)]*3\\.0\\.0`));
  }
  assert.equal(readFileSync(file, 'utf8'), original);
  assert.equal((await git(repo, 'rev-list', '--count', 'HEAD')).trim(), '1');
});
