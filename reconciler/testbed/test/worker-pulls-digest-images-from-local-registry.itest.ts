import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { testbedDocker } from '../docker.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { buildTestImage } from '../images.ts';
import { deleteRegistryManifest } from '../registry.ts';
import { removeTestObjects, testRun } from '../test-objects.ts';
import { ECHO_SERVER_JS, waitForTaskState } from './support.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const run = testRun('wpull');
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  await removeTestObjects(docker, run.id);
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
});

test('a worker pulls a 127.0.0.1:5000/…@sha256 image from the manager\'s registry and runs it', async () => {
  const worker = endpoints.workers[0];
  assert.ok(worker, 'endpoints.json lists no worker: run `deploy/testbed/testbed.sh up --workers 1` (make testbed-up)');
  const workerDocker = testbedDocker(endpoints, worker);
  // A fresh image, so the worker cannot have it yet.
  const repository = `t-wpull-${randomBytes(4).toString('hex')}`;
  const image = await buildTestImage(endpoints, {
    repository,
    tag: 'v1',
    files: { 'server.js': `${ECHO_SERVER_JS}\n// ${run.id}\n` },
  });
  cleanups.push(() => deleteRegistryManifest(endpoints, repository, image.digest));
  cleanups.push(() => docker.getImage(image.ref).remove());
  cleanups.push(() => workerDocker.getImage(image.ref).remove());
  await assert.rejects(workerDocker.getImage(image.ref).inspect(), /no such image/i);

  const name = run.name('svc');
  await docker.createService({
    Name: name,
    Labels: run.labels,
    TaskTemplate: {
      ContainerSpec: { Image: image.ref, Labels: run.labels },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.hostname==${worker.hostname}`] },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  });
  const task = await waitForTaskState(docker, name, 'running', 60_000);
  assert.equal(task.NodeID, worker.nodeId);
  const pulled = await workerDocker.getImage(image.ref).inspect();
  assert.ok(pulled.RepoDigests.includes(`${endpoints.registry.address}/${repository}@${image.digest}`), pulled.RepoDigests.join(', '));
});
