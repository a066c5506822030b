import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { dockerCli } from '../../testbed/docker.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';
import { deleteRegistryManifest, registryManifestDigest } from '../../testbed/registry.ts';

const run = promisify(execFile);
const endpoints = readTestbedEndpoints();
const repository = `t-pin-${randomBytes(4).toString('hex')}`;
const image = `${endpoints.registry.address}/${repository}:1.0.0`;
const dir = mkdtempSync(join(tmpdir(), 'pin-itest-'));
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function base(...args: string[]) {
  return run(process.execPath, [resolve('bin/base.mjs'), ...args]);
}

const build = async (nonce: string) => {
  const built = await buildTestImage(endpoints, { repository, tag: '1.0.0', files: { 'server.js': `// ${nonce}\n` } });
  cleanups.push(() => deleteRegistryManifest(endpoints, repository, built.digest));
  // Once the tag moves, the older image is only known by its digest.
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', `${endpoints.registry.address}/${repository}@${built.digest}`]));
  return built;
};

test('base pin against the real registry: pins a tag; after the tag moves, --update rewrites the digest and nothing else', async () => {
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', image]));
  const first = await build(`first ${randomBytes(8).toString('hex')}`);
  const file = join(dir, 'subnet.yaml');
  const original = `# yaml-language-server: $schema=../schemas/subnet.schema.json
# Comments and layout must survive pinning.
version: 1
subnet:
  name: pin-itest
  netuid: 2
  environment: development
  chain_endpoint: ws://127.0.0.1:9944
  epoch_interval_seconds: 12

master:
  image: ${image}   # the master, pinned by base pin
networks:
  - name: pin-itest-net   # encrypted by default

challenges:
  # The one challenge.
  - slug: pin-itest
    name: Pin Itest
    image: "${image}"
    status: active
    emission_percent: 50
`;
  writeFileSync(file, original);

  const pinned = await base('pin', file);
  assert.match(pinned.stdout, /pinned 2 of 2 images/);
  const afterPin = readFileSync(file, 'utf8');
  assert.equal(afterPin, original.replaceAll(image, `${image}@${first.digest}`));

  // Move the tag: same name, new content.
  const second = await build(`second ${randomBytes(8).toString('hex')}`);
  assert.notEqual(second.digest, first.digest);
  assert.equal(await registryManifestDigest(endpoints, repository, '1.0.0'), second.digest);

  // Without --update an already pinned image stays as it is.
  const again = await base('pin', file);
  assert.match(again.stdout, /pinned 0 of 2 images \(file unchanged\)/);
  assert.equal(readFileSync(file, 'utf8'), afterPin);

  const updated = await base('pin', file, '--update');
  assert.match(updated.stdout, new RegExp(`${first.digest} -> .*${second.digest}`));
  const afterUpdate = readFileSync(file, 'utf8');
  assert.equal(afterUpdate, original.replaceAll(image, `${image}@${second.digest}`));
  // Every comment line and every non-image line is unchanged.
  const lines = (text: string) => text.split('\n').filter((line) => !line.includes('image:'));
  assert.deepEqual(lines(afterUpdate), lines(original));

  const validated = await base('validate', file);
  assert.match(validated.stdout, /OK/);
});
