/**
 * install-worker.sh --apply inside a network namespace of the test bed (a fresh engine, deploy/test/netns-engine.ts)
 * joins the test bed's Swarm as a worker with JOIN_TOKEN from the environment; base apply then labels the node from
 * the desired state. A second run leaves the joined engine alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import path from 'node:path';
import { Fixture } from '../../reconciler/apply/test/support.ts';
import { readTestbedEndpoints } from '../../reconciler/testbed/endpoints.ts';
import { waitUntil } from '../../reconciler/testbed/test-objects.ts';
import { startNetnsEngine, type NetnsEngine } from './netns-engine.ts';
import { DEPLOY, REPO_ROOT } from './support.ts';

let engine: NetnsEngine | null = null;
let fx: Fixture;
let nodeId = '';

before(async () => {
  fx = await Fixture.create('wjoin');
  engine = await startNetnsEngine('wrk');
});
after(async () => {
  try {
    await engine?.stop(); // leaves the Swarm first
  } finally {
    await removeNodeAndFixture();
  }
});

async function removeNodeAndFixture(): Promise<void> {
  if (nodeId) {
    await waitUntil('the left worker to be removable', async () => {
      const removed = await execa('docker', ['node', 'rm', '--force', nodeId], { reject: false });
      return removed.exitCode === 0 || /not found/i.test(removed.stderr) ? true : undefined;
    }, 30_000, 500).catch(() => undefined);
  }
  await fx.cleanup();
}

function installWorker(token: string) {
  // Run inside the worker's network namespace, as on a real worker host.
  return execa('nsenter', [`--net=/var/run/netns/${engine!.netns}`, 'bash', path.join(DEPLOY, 'install-worker.sh'), '--apply',
    '--manager-addr', readTestbedEndpoints().swarm.joinAddr, '--workload', 'cpu',
    '--advertise-addr', engine!.address, '--listen-addr', `${engine!.address}:2377`,
    // This throwaway engine starts without a daemon.json (the templates are tested in daemon-templates-run-a-swarm-node).
    '--allow-new-privileges',
  ], { reject: false, cwd: REPO_ROOT, env: { JOIN_TOKEN: token, DOCKER_HOST: engine!.dockerHost }, stdin: 'ignore' });
}

test('install-worker --apply in a network namespace joins the Swarm; the reconciler then labels the worker from subnet.yaml', { timeout: 300_000 }, async (t) => {
  const token = (await execa('docker', ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
  const started = Date.now();
  const joined = await installWorker(token);
  const joinMs = Date.now() - started;
  assert.equal(joined.exitCode, 0, `${joined.stdout}\n${joined.stderr}`);
  for (const output of [joined.stdout, joined.stderr]) assert.ok(!output.includes(token), 'the join token is never printed');
  assert.equal((await engine!.docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout, 'active');
  nodeId = (await engine!.docker(['info', '--format', '{{.Swarm.NodeID}}'])).stdout.trim();
  assert.match(joined.stdout, new RegExp(`hostname: ${engine!.hostname}\\n\\s+workload: cpu`), 'tells the operator the subnet.yaml entry');

  const node = await waitUntil('the new worker to be Ready on the manager', async () => {
    const info = JSON.parse((await execa('docker', ['node', 'inspect', nodeId])).stdout)[0] as { Description: { Hostname: string }; Status: { State: string }; Spec: { Role: string } };
    return info.Status.State === 'ready' ? info : undefined;
  }, 60_000, 500);
  assert.equal(node.Description.Hostname, engine!.hostname);
  assert.equal(node.Spec.Role, 'worker');

  // The operator adds the worker to subnet.yaml; base apply labels it.
  await fx.write([], { workers: [{ hostname: engine!.hostname, workload: 'cpu', labels: { 'itest.zone': fx.prefix } }] });
  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  const labels = (JSON.parse((await execa('docker', ['node', 'inspect', nodeId])).stdout)[0] as { Spec: { Labels: Record<string, string> } }).Spec.Labels;
  assert.equal(labels['base.workload'], 'cpu');
  assert.equal(labels['itest.zone'], fx.prefix);

  // Again: already in a Swarm, nothing is done.
  const again = await installWorker(token);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stdout, /skip: this engine is already part of a Swarm/);
  assert.equal((await engine!.docker(['info', '--format', '{{.Swarm.NodeID}}'])).stdout.trim(), nodeId, 'same node, not re-joined');
  t.diagnostic(`install-worker --apply (join) took ${joinMs} ms`);
});
