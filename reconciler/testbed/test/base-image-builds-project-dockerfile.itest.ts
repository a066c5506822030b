import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { dockerCli, testbedDocker } from '../docker.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { buildTestImage } from '../images.ts';
import { removeTestObjects, testRun, waitUntil } from '../test-objects.ts';
import { ECHO_SERVER_JS } from './support.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const run = testRun('dockerfile');
after(() => removeTestObjects(docker, run.id));

// The shape of the project's Dockerfiles: ARG BASE_IMAGE, a shell RUN, a non-root user, an exec-form HEALTHCHECK.
const DOCKERFILE = `ARG BASE_IMAGE=node:20-bookworm-slim
FROM \${BASE_IMAGE}
RUN mkdir -p /data && chown 1000:1000 /data
COPY server.js /app/server.js
USER node
HEALTHCHECK --interval=1s --timeout=3s --retries=3 CMD ["/usr/bin/node", "-e", "require('node:http').get('http://127.0.0.1:8080/', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["/usr/bin/node", "/app/server.js"]
`;

test('a project-style Dockerfile builds FROM the base image via --build-arg BASE_IMAGE and runs healthy as node', async () => {
  const image = await buildTestImage(endpoints, { repository: 'base-test/dockerfile', dockerfile: DOCKERFILE, files: { 'server.js': ECHO_SERVER_JS } });
  await docker.createVolume({ Name: run.name('data'), Labels: run.labels });
  const container = await docker.createContainer({
    name: run.name('c'),
    Image: image.ref,
    Labels: run.labels,
    HostConfig: { Mounts: [{ Type: 'volume', Source: run.name('data'), Target: '/data' }] },
  });
  await container.start();
  const state = await waitUntil('the container to be healthy', async () => {
    const current = (await container.inspect()).State;
    if (!current.Running) throw new Error(`container stopped: exit ${current.ExitCode}`);
    return current.Health?.Status === 'healthy' ? current : undefined;
  }, 30_000);
  assert.equal(state.Health?.Status, 'healthy');

  // Runs as uid 1000 and owns /data (an empty named volume takes the image's ownership), so it can write there.
  const out = await dockerCli(endpoints, ['exec', container.id, '/usr/bin/node', '-e',
    "const fs = require('node:fs'); fs.writeFileSync('/data/probe', 'x'); console.log(JSON.stringify({ uid: process.getuid(), owner: fs.statSync('/data').uid, sh: fs.existsSync('/bin/sh') }))"]);
  assert.deepEqual(JSON.parse(out), { uid: 1000, owner: 1000, sh: true });
});
