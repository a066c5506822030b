import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { dockerCli } from '../docker.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { buildTestImage } from '../images.ts';
import { deleteRegistryManifest, MANIFEST_V2, registryManifestDigest } from '../registry.ts';
import { ECHO_SERVER_JS } from './support.ts';

const endpoints = readTestbedEndpoints();
const repository = `t-push-${randomBytes(4).toString('hex')}`;
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

test('pushing an image to the local registry yields the digest the registry serves', async () => {
  // Unique content, so this really builds and pushes instead of finding a cached image.
  const image = await buildTestImage(endpoints, {
    repository,
    tag: 'v1',
    files: { 'server.js': `${ECHO_SERVER_JS}\n// nonce ${randomBytes(8).toString('hex')}\n` },
  });
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', `${endpoints.registry.address}/${repository}:v1`]));
  cleanups.push(() => deleteRegistryManifest(endpoints, repository, image.digest));

  assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(image.ref, `${endpoints.registry.address}/${repository}:v1@${image.digest}`);
  assert.equal(await registryManifestDigest(endpoints, repository, 'v1'), image.digest);

  // The digest is the sha256 of the manifest bytes the registry serves.
  const response = await fetch(`${endpoints.registry.url}/v2/${repository}/manifests/v1`, { headers: { Accept: MANIFEST_V2 } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), MANIFEST_V2);
  const body = Buffer.from(await response.arrayBuffer());
  assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, image.digest);

  // And the engine knows the image under that digest.
  const repoDigests = JSON.parse(await dockerCli(endpoints, ['image', 'inspect', '--format', '{{json .RepoDigests}}', image.ref])) as string[];
  assert.ok(repoDigests.includes(`${endpoints.registry.address}/${repository}@${image.digest}`), `RepoDigests ${repoDigests.join(', ')}`);
});
