import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEPLOY } from './support.ts';

const read = (file: string) => readFile(path.join(DEPLOY, file), 'utf8');

test('daemon.json templates: valid JSON, log rotation, live-restore explicitly off (Swarm mode refuses it)', async () => {
  for (const name of ['manager', 'cpu-worker', 'gpu-worker']) {
    const config = JSON.parse(await read(`daemon/${name}.json`)) as Record<string, unknown>;
    // dockerd: "--live-restore daemon configuration is incompatible with swarm mode" — true would stop the node.
    assert.equal(config['live-restore'], false, `${name}: live-restore`);
    assert.equal(config['log-driver'], 'json-file', `${name}: log driver`);
    const opts = config['log-opts'] as Record<string, string>;
    assert.match(opts['max-size'] ?? '', /^\d+[kmg]$/, `${name}: max-size`);
    assert.match(opts['max-file'] ?? '', /^\d+$/, `${name}: max-file`);
    if (name === 'gpu-worker') {
      assert.equal(config['default-runtime'], 'nvidia');
      assert.equal((config.runtimes as Record<string, { path: string }>).nvidia?.path, 'nvidia-container-runtime');
      const resources = config['node-generic-resources'] as string[];
      assert.ok(resources.length > 0 && resources.every((r) => r.startsWith('NVIDIA-GPU=')), 'advertises NVIDIA-GPU (the kind compile.ts reserves)');
    } else {
      assert.equal(config['default-runtime'], undefined, `${name}: no nvidia runtime`);
      assert.equal(config['node-generic-resources'], undefined);
    }
  }
});

test('prune units: daily timer, docker system prune --force, never --volumes', async () => {
  const service = await read('systemd/base-prune.service');
  const timer = await read('systemd/base-prune.timer');
  const exec = service.split('\n').find((line) => line.startsWith('ExecStart='));
  assert.ok(exec, 'the service has an ExecStart');
  assert.match(exec, /^ExecStart=\/usr\/bin\/docker system prune --force\b/);
  assert.doesNotMatch(exec, /--volumes|\s-a\b|--all/, 'never prunes volumes (nor every unused image)');
  assert.match(service, /^Type=oneshot$/m);
  assert.match(timer, /^OnCalendar=daily$/m);
  assert.match(timer, /^Persistent=true$/m);
  assert.match(timer, /^WantedBy=timers\.target$/m);
});
