/**
 * Swarm services cannot set no-new-privileges themselves, so every engine must (daemon.json). Both installers check
 * the daemon.json they are pointed at before changing anything, and say how to fix it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEPLOY, fakeHost, runScript } from './support.ts';

const MANAGER_ANSWERS = { 'docker version': '24.0.7', 'docker info --format': 'active true' };

test('every daemon.json template sets no-new-privileges', async () => {
  for (const name of ['manager', 'cpu-worker', 'gpu-worker']) {
    const config = JSON.parse(await readFile(path.join(DEPLOY, 'daemon', `${name}.json`), 'utf8')) as Record<string, unknown>;
    assert.equal(config['no-new-privileges'], true, name);
  }
});

for (const [label, content] of [
  ['a daemon.json without the key', '{ "live-restore": false }\n'],
  ['a daemon.json that sets it false', '{ "no-new-privileges": false }\n'],
  ['no daemon.json at all', null],
] as const) {
  test(`install-manager --apply stops before the Swarm with ${label}, naming the fix`, async () => {
    const fake = await fakeHost(MANAGER_ANSWERS, ['docker image inspect']);
    const daemonJson = path.join(fake.dir, 'engine-daemon.json');
    if (content !== null) await writeFile(daemonJson, content);
    const run = await runScript('install-manager.sh', ['--apply', '--state-dir', path.join(fake.dir, 'state'), '--admin-token-file', path.join(fake.dir, 't'), '--daemon-json-path', daemonJson], {}, fake);
    assert.equal(run.exitCode, 1, run.stdout);
    assert.match(run.stderr, new RegExp(`${daemonJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not set "no-new-privileges": true .*--write-daemon-json`));
    const calls = await fake.calls();
    assert.ok(!calls.some((c) => c.startsWith('docker info') || c.startsWith('docker secret') || c.includes(' apply ')), `nothing after the check ran:\n${calls.join('\n')}`);
  });
}

test('install-manager --apply goes on with a daemon.json that sets it, and with --allow-new-privileges (saying so)', async () => {
  const fake = await fakeHost(MANAGER_ANSWERS, ['docker image inspect']);
  const args = ['--apply', '--state-dir', path.join(fake.dir, 'state'), '--admin-token-file', path.join(fake.dir, 't'), '--daemon-json-path'];
  const set = await runScript('install-manager.sh', [...args, fake.daemonJson], { BASE_DATABASE_URL: 'postgres://u:p@h/d' }, fake);
  assert.equal(set.exitCode, 0, set.stderr + set.stdout);
  assert.match(set.stdout, /sets no-new-privileges/);
  const allowed = await runScript('install-manager.sh', [...args, path.join(fake.dir, 'none.json'), '--allow-new-privileges'], { BASE_DATABASE_URL: 'postgres://u:p@h/d' }, fake);
  assert.equal(allowed.exitCode, 0, allowed.stderr + allowed.stdout);
  assert.match(allowed.stdout, /warning: .*none\.json does not set "no-new-privileges": true; going on because of --allow-new-privileges \(not for production\)/);
});

test('install-worker --apply checks it too; a dry run only lists the check', async () => {
  const fake = await fakeHost({ 'docker version': '24.0.7', 'docker info --format {{.Swarm.LocalNodeState}}': 'inactive' });
  const base = ['--workload', 'cpu', '--manager-addr', '10.0.0.5:2377', '--daemon-json-path', path.join(fake.dir, 'none.json')];
  const refused = await runScript('install-worker.sh', ['--apply', ...base], { JOIN_TOKEN: 'SWMTKN-1-0abc123def456ghi789jkl-0mno123pqr456stu789' }, fake);
  assert.equal(refused.exitCode, 1, refused.stdout);
  assert.match(refused.stderr, /does not set "no-new-privileges": true/);
  assert.ok(!(await fake.calls()).some((c) => c.startsWith('docker swarm join')));
  const dry = await runScript('install-worker.sh', base, { JOIN_TOKEN: 'SWMTKN-1-0abc123def456ghi789jkl-0mno123pqr456stu789' }, fake);
  assert.equal(dry.exitCode, 0, dry.stderr);
  assert.match(dry.stdout, /check +grep '"no-new-privileges": true' .*none\.json/);
});
