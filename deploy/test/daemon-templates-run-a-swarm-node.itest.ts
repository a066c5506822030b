/**
 * The daemon.json templates against a real dockerd (the test bed's 20.10): each one starts an engine (a fresh one in
 * a network namespace, --config-file the template), which then joins the test bed's Swarm through install-worker.sh.
 * The GPU template's engine advertises NVIDIA-GPU to the Swarm, with nvidia as its default runtime (the runtime
 * binary is not needed until a container starts). This also proves live-restore off lets the engine be a Swarm node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import path from 'node:path';
import { readTestbedEndpoints } from '../../reconciler/testbed/endpoints.ts';
import { waitUntil } from '../../reconciler/testbed/test-objects.ts';
import { startNetnsEngine } from './netns-engine.ts';
import { DEPLOY, REPO_ROOT } from './support.ts';

interface NodeInfo {
  Status: { State: string };
  Description: { Hostname: string; Resources: { GenericResources?: Array<{ NamedResourceSpec?: { Kind: string; Value: string }; DiscreteResourceSpec?: { Kind: string; Value: number } }> } };
}

for (const template of ['cpu-worker', 'gpu-worker', 'manager']) {
  test(`daemon/${template}.json starts dockerd and the engine joins the Swarm`, { timeout: 300_000 }, async (t) => {
    const engine = await startNetnsEngine(template.slice(0, 3), { configFile: path.join(DEPLOY, 'daemon', `${template}.json`) });
    let nodeId = '';
    t.after(async () => {
      await engine.stop();
      if (nodeId) {
        await waitUntil('the node to be removable', async () => {
          const removed = await execa('docker', ['node', 'rm', '--force', nodeId], { reject: false });
          return removed.exitCode === 0 || /not found/i.test(removed.stderr) ? true : undefined;
        }, 30_000, 500).catch(() => undefined);
      }
    });
    const info = JSON.parse((await engine.docker(['info', '--format', '{{json .}}'])).stdout) as { LoggingDriver: string; LiveRestoreEnabled: boolean; DefaultRuntime: string; Runtimes: Record<string, unknown> };
    assert.equal(info.LoggingDriver, 'json-file');
    assert.equal(info.LiveRestoreEnabled, false);
    assert.equal(info.DefaultRuntime, template === 'gpu-worker' ? 'nvidia' : 'runc');

    const token = (await execa('docker', ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    const joined = await execa('nsenter', [`--net=/var/run/netns/${engine.netns}`, 'bash', path.join(DEPLOY, 'install-worker.sh'), '--apply',
      '--manager-addr', readTestbedEndpoints().swarm.joinAddr, '--workload', template === 'gpu-worker' ? 'gpu' : 'cpu',
      '--advertise-addr', engine.address, '--listen-addr', `${engine.address}:2377`,
      // The engine runs with the template as its config file: that is the daemon.json the no-new-privileges check reads.
      '--daemon-json-path', path.join(DEPLOY, 'daemon', `${template}.json`),
    ], { reject: false, cwd: REPO_ROOT, env: { JOIN_TOKEN: token, DOCKER_HOST: engine.dockerHost }, stdin: 'ignore' });
    assert.equal(joined.exitCode, 0, `${joined.stdout}\n${joined.stderr}`);
    nodeId = (await engine.docker(['info', '--format', '{{.Swarm.NodeID}}'])).stdout.trim();
    const node = await waitUntil('the node to be ready', async () => {
      const inspected = JSON.parse((await execa('docker', ['node', 'inspect', nodeId])).stdout)[0] as NodeInfo;
      return inspected.Status.State === 'ready' ? inspected : undefined;
    }, 60_000, 500);
    assert.equal(node.Description.Hostname, engine.hostname);
    const gpus = (node.Description.Resources.GenericResources ?? []).filter((r) => (r.NamedResourceSpec ?? r.DiscreteResourceSpec)?.Kind === 'NVIDIA-GPU');
    if (template === 'gpu-worker') assert.equal(gpus.length, 1, `the GPU worker advertises NVIDIA-GPU: ${JSON.stringify(node.Description.Resources)}`);
    else assert.equal(gpus.length, 0);
  });
}
