import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { dockerCli, testbedDocker } from '../docker.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { buildTestImage, forgetBuiltImagesInProcess } from '../images.ts';
import { deleteRegistryManifest } from '../registry.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const repository = `t-cache-${randomBytes(4).toString('hex')}`;
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

/** Image events (tag from a build, push) for this repository between two times (seconds). */
async function imageEvents(since: number, until: number): Promise<string[]> {
  const stream = await docker.getEvents({ since, until, filters: JSON.stringify({ type: ['image'] }) });
  const text = await new Promise<string>((resolve, reject) => {
    let data = '';
    stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
    stream.on('end', () => resolve(data));
    stream.on('error', reject);
  });
  return text.split('\n').filter((line) => line.includes(repository)).map((line) => (JSON.parse(line) as { Action: string }).Action);
}

test('the image helper builds and pushes once per content, and again when the content changes', async () => {
  const nonce = randomBytes(8).toString('hex');
  const files = { 'server.js': `console.log('cache ${nonce}')\n` };
  const start = Math.floor(Date.now() / 1000);
  const first = await buildTestImage(endpoints, { repository, files });
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', `${endpoints.registry.address}/${repository}:${first.tag}`]));
  cleanups.push(() => deleteRegistryManifest(endpoints, repository, first.digest));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const middle = Math.floor(Date.now() / 1000);
  const firstEvents = await imageEvents(start, middle);
  assert.ok(firstEvents.includes('tag') && firstEvents.includes('push'), `first call builds and pushes: ${firstEvents.join(',')}`);

  // A later call with the same content (memo forgotten, as in another test process) reuses image and manifest.
  forgetBuiltImagesInProcess();
  const again = await buildTestImage(endpoints, { repository, files: { 'server.js': `console.log('cache ${nonce}')\n` } });
  assert.deepEqual(again, first);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.deepEqual(await imageEvents(middle, Math.floor(Date.now() / 1000)), [], 'no build or push the second time');

  const changed = await buildTestImage(endpoints, { repository, files: { 'server.js': `console.log('changed ${nonce}')\n` } });
  cleanups.push(() => dockerCli(endpoints, ['image', 'rm', `${endpoints.registry.address}/${repository}:${changed.tag}`]));
  cleanups.push(() => deleteRegistryManifest(endpoints, repository, changed.digest));
  assert.notEqual(changed.tag, first.tag);
  assert.notEqual(changed.digest, first.digest);
});
