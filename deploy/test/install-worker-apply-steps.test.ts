import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fakeHost, runScript } from './support.ts';

const TOKEN = 'SWMTKN-1-0abc123def456ghi789jkl-0mno123pqr456stu789';

test('install-worker --apply --workload gpu: renders the GPU daemon.json, restarts Docker, joins through the API with the token on stdin only', async () => {
  const fake = await fakeHost({
    'docker version': '20.10.24',
    'docker info --format {{.Swarm.LocalNodeState}}': 'inactive',
    'docker info --format {{.Name}}': 'gpu-box-7',
  });
  const daemonJson = path.join(fake.dir, 'daemon.json');
  await writeFile(daemonJson, '{"old": true}\n');
  const runtimeConfig = path.join(fake.dir, 'config.toml');
  await writeFile(runtimeConfig, '[nvidia-container-runtime]\n#swarm-resource = "DOCKER_RESOURCE_GPU"\n');
  const run = await runScript(
    'install-worker.sh',
    ['--apply', '--manager-addr', '10.0.0.5', '--workload', 'gpu', '--write-daemon-json', '--daemon-json-path', daemonJson, '--gpu', 'GPU-1111', '--gpu', 'GPU-2222', '--advertise-addr', '10.0.0.9', '--nvidia-runtime-config', runtimeConfig],
    { JOIN_TOKEN: TOKEN, DOCKER_HOST: `unix://${path.join(fake.dir, 'docker.sock')}` },
    fake,
  );
  assert.equal(run.exitCode, 0, run.stderr + run.stdout);
  const calls = await fake.calls();
  assert.ok(!run.stdout.includes(TOKEN) && !run.stderr.includes(TOKEN), 'the token is never printed');
  assert.ok(!calls.some((c) => c.includes(TOKEN)), `no command got the token as an argument:\n${calls.join('\n')}`);
  const childEnv = await fake.childEnv();
  assert.match(childEnv, /PATH=/, 'the children environments were recorded');
  assert.ok(!childEnv.includes(TOKEN), 'no child process inherits JOIN_TOKEN in its environment');

  const written = JSON.parse(await readFile(daemonJson, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(written['node-generic-resources'], ['NVIDIA-GPU=GPU-1111', 'NVIDIA-GPU=GPU-2222']);
  assert.equal(written['default-runtime'], 'nvidia');
  assert.equal(await readFile(`${daemonJson}.before-base`, 'utf8'), '{"old": true}\n', 'the previous file is kept');
  assert.ok(calls.includes('systemctl restart docker'));
  assert.match(await readFile(runtimeConfig, 'utf8'), /^swarm-resource = "DOCKER_RESOURCE_NVIDIA-GPU"$/m, 'the runtime exposes only the GPUs Swarm assigned');

  const join = calls.find((c) => c.startsWith('curl '));
  assert.ok(join, 'joined through curl');
  assert.match(join, new RegExp(`--unix-socket ${fake.dir}/docker.sock .*http://localhost/v1.41/swarm/join$`));
  const body = JSON.parse(await fake.stdin('curl')) as Record<string, unknown>;
  assert.deepEqual(body, { ListenAddr: '0.0.0.0:2377', RemoteAddrs: ['10.0.0.5:2377'], AdvertiseAddr: '10.0.0.9', JoinToken: TOKEN });
  assert.ok(calls.indexOf('systemctl restart docker') < calls.indexOf(join), 'Docker restarts with the new config before joining');
  assert.match(run.stdout, /hostname: gpu-box-7\n\s+workload: gpu/);

  // Second run: the file is already in place and the engine is in a Swarm: no restart, no join.
  const fake2 = await fakeHost({ 'docker version': '20.10.24', 'docker info --format {{.Swarm.LocalNodeState}}': 'active', 'docker info --format {{.Name}}': 'gpu-box-7' });
  const again = await runScript(
    'install-worker.sh',
    ['--apply', '--manager-addr', '10.0.0.5', '--workload', 'gpu', '--write-daemon-json', '--daemon-json-path', daemonJson, '--gpu', 'GPU-1111', '--gpu', 'GPU-2222', '--nvidia-runtime-config', runtimeConfig],
    { JOIN_TOKEN: TOKEN },
    fake2,
  );
  assert.equal(again.exitCode, 0, again.stderr);
  const calls2 = await fake2.calls();
  assert.ok(!calls2.some((c) => c.startsWith('systemctl') || c.startsWith('curl')), `second run changes nothing:\n${calls2.join('\n')}`);
  assert.match(again.stdout, /already this content/);
  assert.match(again.stdout, /already part of a Swarm/);
});
