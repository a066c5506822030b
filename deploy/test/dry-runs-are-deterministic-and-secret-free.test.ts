import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fakeHost, runScript } from './support.ts';

const ADMIN_MARKER = 'ADMIN-TOKEN-MARKER-7f3a9c';
const DATABASE_MARKER = 'postgres://base:DB-PASSWORD-MARKER-41d2@db.internal/control';
const JOIN_MARKER = 'SWMTKN-1-joinmarker0123456789-secretmarker9876543210';

test('install-manager dry run: same output twice, every step shown, no secret value, nothing run on the host', async () => {
  const fake = await fakeHost();
  const tokenFile = path.join(fake.dir, 'admin-token');
  const args = ['--advertise-addr', '10.0.0.5', '--admin-token-file', tokenFile, '--state-dir', path.join(fake.dir, 'state'), '--write-daemon-json', '--build', '--base-image', 'base/node-runtime:20', '--image', 'registry.example/base/master:dev'];
  const env = { BASE_ADMIN_TOKEN: ADMIN_MARKER, JOIN_TOKEN: JOIN_MARKER, BASE_DATABASE_URL: DATABASE_MARKER };
  const first = await runScript('install-manager.sh', args, env, fake);
  const second = await runScript('install-manager.sh', args, env, fake);
  assert.equal(first.exitCode, 0, first.stderr);
  assert.equal(first.stdout, second.stdout, 'two dry runs print the same');
  assert.equal(first.stderr, second.stderr);
  for (const output of [first.stdout, first.stderr]) {
    assert.ok(!output.includes(ADMIN_MARKER), 'the admin token value is never printed');
    assert.ok(!output.includes('DB-PASSWORD-MARKER') && !output.includes('db.internal'), 'the database URL is never printed');
    assert.ok(!output.includes('joinmarker') && !output.includes('secretmarker'), 'the join token is never printed');
  }
  for (const step of [
    "docker version --format '{{.Server.Version}}'",
    'install -D -m 0644 -- deploy/daemon/manager.json /etc/docker/daemon.json',
    'systemctl restart docker',
    'docker swarm init --advertise-addr 10.0.0.5',
    `install -d -m 0700 -- ${path.join(fake.dir, 'state')}`,
    `docker secret create --label base.role=admin-token base-admin-token - < ${tokenFile}`,
    'docker secret create --label base.role=database-url base-database-url - < $BASE_DATABASE_URL   (value never printed)',
    'DOCKER_BUILDKIT=0 docker build --tag registry.example/base/master:dev --build-arg BASE_IMAGE=base/node-runtime:20 .',
    'node bin/base.mjs apply desired-state/subnet.yaml --auto-approve',
  ]) {
    assert.ok(first.stdout.includes(step), `the dry run shows: ${step}\n${first.stdout}`);
  }
  assert.match(first.stdout, /DRY RUN/);
  assert.deepEqual(await fake.calls(), [], 'a dry run runs no docker/systemctl/curl command');
  assert.equal(existsSync(tokenFile), false, 'a dry run writes no token file');
  assert.equal(existsSync(path.join(fake.dir, 'state')), false, 'a dry run creates no state folder');
});

test('install-manager dry run without BASE_ADMIN_TOKEN says <generated>, never a value', async () => {
  const fake = await fakeHost();
  const run = await runScript('install-manager.sh', ['--advertise-addr', '10.0.0.5', '--admin-token-file', path.join(fake.dir, 't')], {}, fake);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /<- <generated>\s+\(value never printed\)/);
  assert.match(run.stdout, /docker pull --quiet ghcr\.io\/base-subnet\/master:1\.4\.2@sha256:/, 'the image defaults to master.image of the desired state');
  assert.match(run.stdout, /daemon\.json: not touched \(add --write-daemon-json/, 'daemon.json is left alone without its flag');
});

test('install-worker dry run (cpu and gpu): same output twice, join via the API with the token only on stdin, never printed', async () => {
  const fake = await fakeHost();
  for (const args of [
    ['--manager-addr', '10.0.0.5', '--workload', 'cpu'],
    ['--manager-addr', '10.0.0.5:2377', '--workload', 'gpu', '--write-daemon-json', '--gpu', 'GPU-aaaa', '--advertise-addr', '10.0.0.9'],
  ]) {
    const env = { JOIN_TOKEN: JOIN_MARKER, BASE_ADMIN_TOKEN: ADMIN_MARKER };
    const first = await runScript('install-worker.sh', args, env, fake);
    const second = await runScript('install-worker.sh', args, env, fake);
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(first.stdout, second.stdout);
    for (const output of [first.stdout, first.stderr]) {
      assert.ok(!output.includes('joinmarker') && !output.includes('secretmarker'), `the join token is never printed:\n${output}`);
      assert.ok(!output.includes(ADMIN_MARKER));
    }
    assert.match(first.stdout, /"JoinToken":"<\$JOIN_TOKEN>"\}' \| curl .*--unix-socket \/var\/run\/docker\.sock .*--data-binary @- http:\/\/localhost\/v1\.41\/swarm\/join/);
    assert.match(first.stdout, /"RemoteAddrs":\["10\.0\.0\.5:2377"\]/);
    assert.match(first.stdout, new RegExp(`workload: ${args[3]}`), 'prints the worker entry for subnet.yaml');
    assert.match(first.stdout, new RegExp(`docker node update --label-add base.workload=${args[3]}`));
  }
  assert.deepEqual(await fake.calls(), [], 'a dry run runs no docker/systemctl/curl/nvidia command');
});

test('install-worker refuses a token on the command line and, with --apply, a missing JOIN_TOKEN', async () => {
  const fake = await fakeHost();
  const argv = await runScript('install-worker.sh', ['--manager-addr', '10.0.0.5', '--workload', 'cpu', '--join-token', JOIN_MARKER], {}, fake);
  assert.equal(argv.exitCode, 1);
  assert.match(argv.stderr, /only from the JOIN_TOKEN environment variable/);
  assert.ok(!argv.stderr.includes('joinmarker'));
  const missing = await runScript('install-worker.sh', ['--apply', '--manager-addr', '10.0.0.5', '--workload', 'cpu'], {}, fake);
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /JOIN_TOKEN is not set/);
  const bad = await runScript('install-worker.sh', ['--apply', '--manager-addr', '10.0.0.5', '--workload', 'cpu'], { JOIN_TOKEN: 'not-a-token-value-42' }, fake);
  assert.equal(bad.exitCode, 1);
  assert.ok(!bad.stderr.includes('not-a-token-value-42'), 'a malformed token is not echoed either');
  assert.deepEqual(await fake.calls(), [], 'nothing ran before the refusals');
  const workload = await runScript('install-worker.sh', ['--manager-addr', '10.0.0.5', '--workload', 'tpu'], {}, fake);
  assert.equal(workload.exitCode, 1);
  assert.match(workload.stderr, /--workload: expected cpu or gpu/);
});
