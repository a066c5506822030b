import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { dockerCli, testbedDocker } from '../docker.ts';
import { readTestbedEndpoints } from '../endpoints.ts';
import { buildTestImage } from '../images.ts';
import { removeTestObjects, testRun, waitUntil } from '../test-objects.ts';
import { ECHO_SERVER_JS, waitForTaskState } from './support.ts';

const endpoints = readTestbedEndpoints();
const docker = testbedDocker(endpoints);
const run = testRun('overlay');
after(() => removeTestObjects(docker, run.id));

// Fetches http://<server>:8080/ until it answers (DNS of a new task takes a moment), prints the body, exits 0.
const CLIENT_JS = `
const http = require('node:http');
const url = 'http://' + process.env.SERVER + ':8080/';
let attempts = 0;
const tryOnce = () => http.get(url, (res) => {
  let body = '';
  res.on('data', (chunk) => body += chunk);
  res.on('end', () => { console.log('BODY ' + res.statusCode + ' ' + body); process.exit(res.statusCode === 200 ? 0 : 3); });
}).on('error', (error) => {
  if (++attempts >= 60) { console.log('FAILED ' + error.message); process.exit(2); }
  setTimeout(tryOnce, 500);
});
tryOnce();
`;

test('two services on an encrypted overlay network (dnsrr) reach each other by service name', async () => {
  const image = await buildTestImage(endpoints, { repository: 'base-test/echo', files: { 'server.js': ECHO_SERVER_JS } });
  const network = await docker.createNetwork({
    Name: run.name('net'),
    Driver: 'overlay',
    Attachable: true,
    CheckDuplicate: true,
    Options: { encrypted: 'true', 'com.docker.network.driver.mtu': '1450' },
    Labels: run.labels,
  });
  // Right after creation the engine has once answered with Options null (fresh Swarm); the spec settles quickly.
  const inspected = await waitUntil('the new network to show its options', async () => {
    const current = await network.inspect();
    return current.Options ? current : undefined;
  }, 10_000);
  assert.ok('encrypted' in (inspected.Options ?? {}), `network options ${JSON.stringify(inspected.Options)}`);

  const nonce = randomBytes(6).toString('hex');
  const server = run.name('srv');
  const client = run.name('cli');
  const common = {
    Labels: run.labels,
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' as const },
  };
  // Both on the manager: this kernel has no XFRM, so encrypted overlays carry no traffic between nodes.
  const taskTemplate = (env: string[], command?: string[]) => ({
    ContainerSpec: { Image: image.ref, Labels: run.labels, Env: env, ...(command ? { Command: command } : {}) },
    RestartPolicy: { Condition: 'none' as const },
    Placement: { Constraints: ['node.role==manager'] },
    Networks: [{ Target: inspected.Id }],
  });
  await docker.createService({ Name: server, ...common, TaskTemplate: taskTemplate([`MESSAGE=${nonce}`]) });
  await waitForTaskState(docker, server, 'running');
  await docker.createService({
    Name: client,
    ...common,
    TaskTemplate: taskTemplate([`SERVER=${server}`], ['/usr/bin/node', '-e', CLIENT_JS]),
  });

  const done = await waitForTaskState(docker, client, 'complete', 60_000);
  assert.equal(done.Status?.ContainerStatus?.ExitCode ?? 0, 0);
  const containerId = done.Status?.ContainerStatus?.ContainerID;
  assert.ok(containerId);
  const logs = await dockerCli(endpoints, ['logs', containerId]);
  // The server's answer names its own task container, so the request really crossed the overlay.
  const serverTask = await waitForTaskState(docker, server, 'running');
  const serverContainer = await docker.getContainer(serverTask.Status?.ContainerStatus?.ContainerID ?? '').inspect();
  assert.match(logs, new RegExp(`^BODY 200 ${nonce} from ${serverContainer.Config.Hostname}$`, 'm'));
});
