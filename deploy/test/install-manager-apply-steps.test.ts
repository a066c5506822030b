import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fakeHost, runScript } from './support.ts';

const ADMIN = 'admin-token-value-for-this-test-1234';
const DATABASE_URL = 'postgres://base:db-pw-for-this-test-5678@db.internal:5432/control';

test('install-manager --apply (recorded host): swarm init, admin token and database URL to docker secret create on stdin only, state folder, pull, base apply', async () => {
  const fake = await fakeHost(
    { 'docker version': '20.10.24+dfsg1', 'docker info --format {{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}': 'inactive false' },
    ['docker secret inspect', 'docker image inspect'],
  );
  const stateDir = path.join(fake.dir, 'state');
  const tokenFile = path.join(fake.dir, 'etc', 'admin-token');
  const run = await runScript('install-manager.sh', ['--apply', '--advertise-addr', '10.0.0.5', '--state-dir', stateDir, '--admin-token-file', tokenFile, '--daemon-json-path', fake.daemonJson, '--only-prefix', 'x-'], { BASE_ADMIN_TOKEN: ADMIN, BASE_DATABASE_URL: DATABASE_URL }, fake);
  assert.equal(run.exitCode, 0, run.stderr + run.stdout);
  for (const secret of [ADMIN, DATABASE_URL, 'db-pw-for-this-test']) {
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'no secret value is ever printed');
  }
  const calls = await fake.calls();
  assert.ok(!calls.some((c) => c.includes(ADMIN) || c.includes('db-pw-for-this-test')), `the secrets are in no argv:\n${calls.join('\n')}`);
  assert.equal(await fake.stdin('docker'), ADMIN + DATABASE_URL, 'the token, then the database URL, reached docker on stdin');
  const childEnv = await fake.childEnv();
  assert.match(childEnv, /DOCKER_HOST|PATH=/, 'the children environments were recorded');
  assert.ok(!childEnv.includes(ADMIN), 'no child process inherits the token in its environment');
  assert.ok(!childEnv.includes('db-pw-for-this-test'), 'no child process inherits the database URL in its environment');
  assert.equal(await readFile(tokenFile, 'utf8'), ADMIN);
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
  const expected = [
    'node bin/base.mjs validate desired-state/subnet.yaml',
    "docker version --format {{.Server.Version}}",
    'docker info --format {{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}',
    'docker swarm init --advertise-addr 10.0.0.5',
    'docker secret inspect --format {{.ID}} base-admin-token',
    'docker secret create --label base.role=admin-token base-admin-token -',
    'docker secret inspect --format {{.ID}} base-database-url',
    'docker secret create --label base.role=database-url base-database-url -',
    'docker image inspect --format {{.Id}} ghcr.io/base-subnet/master:1.4.2@sha256:5f0c7d8e2b1a4c3d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d',
    'docker pull --quiet ghcr.io/base-subnet/master:1.4.2@sha256:5f0c7d8e2b1a4c3d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d',
    `node bin/base.mjs apply desired-state/subnet.yaml --auto-approve --state-dir ${stateDir} --rollout-timeout 180 --only-prefix x-`,
  ];
  assert.deepEqual(calls, expected, 'exactly these commands, in this order (no daemon.json, no restart without its flag)');
});

test('install-manager --apply refuses an old engine, a worker engine, and a missing --advertise-addr before changing anything', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ 'docker version': '19.03.15' }, /Docker engine 19\.03\.15 is too old; 20\.10 or newer/],
    [{ 'docker version': '24.0.7', 'docker info --format': 'active false' }, /a Swarm worker, not a manager/],
    [{ 'docker version': '24.0.7', 'docker info --format': 'inactive false' }, /give --advertise-addr ADDR/],
  ];
  for (const [answers, message] of cases) {
    const fake = await fakeHost(answers);
    const args = ['--apply', '--state-dir', path.join(fake.dir, 'state'), '--admin-token-file', path.join(fake.dir, 't'), '--daemon-json-path', fake.daemonJson];
    if (!message.source.includes('advertise')) args.push('--advertise-addr', '10.0.0.5');
    const run = await runScript('install-manager.sh', args, {}, fake);
    assert.equal(run.exitCode, 1, run.stdout);
    assert.match(run.stderr, message);
    const calls = await fake.calls();
    assert.ok(!calls.some((c) => /swarm init|secret create|pull|bin\/base\.mjs apply|systemctl/.test(c)), calls.join('\n'));
  }
});

test('install-manager --apply refuses an invalid desired state before touching Docker', async () => {
  const fake = await fakeHost({ 'docker version': '24.0.7', 'docker info --format': 'inactive false' });
  const file = path.join(fake.dir, 'subnet.yaml');
  await writeFile(file, 'version: 1\nmaster:\n  image: x/master:1\n');
  const run = await runScript('install-manager.sh', ['--apply', '--advertise-addr', '10.0.0.5', '--desired-state', file, '--state-dir', path.join(fake.dir, 'state'), '--daemon-json-path', fake.daemonJson], {}, fake);
  assert.equal(run.exitCode, 1, run.stdout);
  assert.match(run.stderr, /is not a valid desired state \(see above\); nothing was changed/);
  assert.deepEqual(await fake.calls(), [`node bin/base.mjs validate ${file}`], 'only the validation ran');
});

test('install-manager --apply: the database URL secret from --database-url-file, kept when it exists, and refused without a source', async () => {
  const answers = { 'docker version': '24.0.7', 'docker info --format': 'active true' };
  // From the file, on stdin.
  const fromFile = await fakeHost(answers, ['docker secret inspect', 'docker image inspect']);
  const urlFile = path.join(fromFile.dir, 'database-url');
  await writeFile(urlFile, DATABASE_URL, { mode: 0o600 });
  const args = (dir: string) => ['--apply', '--state-dir', path.join(dir, 'state'), '--admin-token-file', path.join(dir, 'admin-token'), '--daemon-json-path', path.join(dir, 'daemon.json')];
  const run = await runScript('install-manager.sh', [...args(fromFile.dir), '--database-url-file', urlFile], { BASE_ADMIN_TOKEN: ADMIN }, fromFile);
  assert.equal(run.exitCode, 0, run.stderr + run.stdout);
  assert.ok((await fromFile.calls()).includes('docker secret create --label base.role=database-url base-database-url -'));
  assert.ok((await fromFile.stdin('docker')).endsWith(DATABASE_URL));
  assert.ok(!run.stdout.includes('db-pw-for-this-test'));

  // An existing secret is kept: no value needed, nothing created.
  const existing = await fakeHost(answers, ['docker image inspect']);
  const kept = await runScript('install-manager.sh', args(existing.dir), {}, existing);
  assert.equal(kept.exitCode, 0, kept.stderr + kept.stdout);
  assert.match(kept.stdout, /skip: secret base-database-url exists/);
  assert.ok(!(await existing.calls()).some((c) => c.startsWith('docker secret create')));

  // Missing and no source: refused before the image and base apply.
  const missing = await fakeHost(answers, ['docker secret inspect', 'docker image inspect']);
  const refused = await runScript('install-manager.sh', args(missing.dir), { BASE_ADMIN_TOKEN: ADMIN }, missing);
  assert.equal(refused.exitCode, 1, refused.stdout);
  assert.match(refused.stderr, /secret base-database-url \(master\.database_url_secret\) does not exist: give the PostgreSQL URL with --database-url-file FILE \(0600\) or \$BASE_DATABASE_URL/);
  const calls = await missing.calls();
  assert.ok(!calls.some((c) => /base-database-url -|pull|bin\/base\.mjs apply/.test(c)), calls.join('\n'));
});
