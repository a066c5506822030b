import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testbedDocker } from '../docker.ts';
import { buildTestImage } from '../images.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { removeTestObjects, testRun } from '../test-objects.ts';
import { ECHO_SERVER_JS, waitForTaskState } from './support.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const run = testRun('worker');
const labelKey = `base.test.${run.id}`;
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  await removeTestObjects(docker, run.id);
  for (const cleanup of cleanups) await cleanup();
});

test('a worker node has joined the Swarm, can be labelled, and runs a task placed by that label', async () => {
  const worker = endpoints.workers[0];
  assert.ok(worker, 'endpoints.json lists no worker: run `deploy/testbed/testbed.sh up --workers 1` (make testbed-up)');

  // The manager sees the worker as a ready worker node at its bridge address.
  const node = docker.getNode(worker.nodeId);
  const before = await node.inspect();
  assert.equal(before.Description.Hostname, worker.hostname);
  assert.equal(before.Spec.Role, 'worker');
  assert.equal(before.Status.State, 'ready');
  assert.equal(before.Status.Addr, worker.address);
  // And the worker's own engine agrees it is that node, active in the Swarm.
  const info = await testbedDocker(endpoints, worker).info();
  assert.equal(info.Swarm.NodeID, worker.nodeId);
  assert.equal(info.Swarm.LocalNodeState, 'active');

  await node.update({ version: before.Version.Index, ...before.Spec, Labels: { ...before.Spec.Labels, [labelKey]: 'yes' } });
  cleanups.push(async () => {
    const current = await node.inspect();
    const { [labelKey]: _removed, ...labels } = current.Spec.Labels ?? {};
    await node.update({ version: current.Version.Index, ...current.Spec, Labels: labels });
  });
  const labelled = await node.inspect();
  assert.equal(labelled.Spec.Labels[labelKey], 'yes');

  // The scheduler honours the label: a service constrained to it lands on the worker.
  const image = await buildTestImage(endpoints, { repository: 'base-test/echo', files: { 'server.js': ECHO_SERVER_JS } });
  const name = run.name('placed');
  await docker.createService({
    Name: name,
    Labels: run.labels,
    TaskTemplate: {
      ContainerSpec: { Image: image.ref, Labels: run.labels },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.labels.${labelKey}==yes`] },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  });
  const task = await waitForTaskState(docker, name, 'running', 120_000);
  assert.equal(task.NodeID, worker.nodeId);
});
