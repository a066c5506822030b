import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testbedDocker } from '../docker.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { buildTestImage } from '../images.ts';
import { removeTestObjects, testRun } from '../test-objects.ts';
import { ECHO_SERVER_JS, waitForTaskState } from './support.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const run = testRun('digest');
after(() => removeTestObjects(docker, run.id));

test('a Swarm service created from repo:tag@sha256:… (dnsrr) reaches a running task', async () => {
  const image = await buildTestImage(endpoints, { repository: 'base-test/echo', files: { 'server.js': ECHO_SERVER_JS } });
  assert.match(image.ref, /^127\.0\.0\.1:5000\/base-test\/echo:[^@]+@sha256:[0-9a-f]{64}$/);
  const name = run.name('svc');
  await docker.createService({
    Name: name,
    Labels: run.labels,
    TaskTemplate: {
      ContainerSpec: { Image: image.ref, Labels: run.labels, Env: ['MESSAGE=digest'] },
      RestartPolicy: { Condition: 'none' },
      // The workers cannot reach the manager's 127.0.0.1 registry.
      Placement: { Constraints: ['node.role==manager'] },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  });

  const task = await waitForTaskState(docker, name, 'running');
  assert.equal(task.Spec?.ContainerSpec?.Image, image.ref);
  const containerId = task.Status?.ContainerStatus?.ContainerID;
  assert.ok(containerId, 'the running task has a container');
  const container = await docker.getContainer(containerId).inspect();
  assert.equal(container.State.Running, true);
  assert.equal(container.Config.Image, image.ref);
  // The container runs the image with exactly that digest.
  const local = await docker.getImage(image.ref).inspect();
  assert.equal(container.Image, local.Id);
  assert.ok(local.RepoDigests.includes(`127.0.0.1:5000/base-test/echo@${image.digest}`));
});
