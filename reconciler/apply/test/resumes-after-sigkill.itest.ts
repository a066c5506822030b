import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { baseCli, changed, Fixture, REPO_ROOT, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('kill');
});
after(async () => {
  await fx.cleanup();
});

test('an apply killed with SIGKILL mid-way is finished by the next apply: converged, no duplicates, no volume lost', async () => {
  const { http } = await testImages();
  const names = ['a', 'b', 'c', 'd'];
  await fx.write(names.map((name) => ({ name, image: http })));

  const child = execa(process.execPath, [
    path.join(REPO_ROOT, 'bin/base.mjs'), 'apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--revision', 'itest', ...fx.onlyPrefixArgs,
  ], { reject: false, cwd: REPO_ROOT });
  // Kill it once the first service exists (its rollout wait is under way, the others are not created yet).
  const deadline = Date.now() + 60_000;
  for (;;) {
    const services = (await fx.docker.listServices()) as Array<{ Spec: { Name: string } }>;
    if (services.some((s) => s.Spec.Name === fx.service('a'))) break;
    assert.ok(Date.now() < deadline, 'the first apply never created a service');
    await sleep(50);
  }
  child.kill('SIGKILL');
  const killed = await child;
  assert.equal(killed.signal, 'SIGKILL');
  const servicesAfterKill = ((await fx.docker.listServices()) as Array<{ Spec: { Name: string } }>).filter((s) => s.Spec.Name.startsWith(`challenge-${fx.prefix}-`));
  assert.ok(servicesAfterKill.length < names.length, 'the kill happened mid-way');

  // The dead holder's lock is reported as stale, and broken only when asked.
  const refused = await baseCli(['apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--lock-timeout', '0', ...fx.onlyPrefixArgs]);
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, new RegExp(`pid ${child.pid} .*stale.*--break-lock`));

  const resumed = await baseCli(['apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--revision', 'itest', '--break-lock', ...fx.onlyPrefixArgs]);
  assert.equal(resumed.exitCode, 0, resumed.stdout + resumed.stderr);

  const networks = (await fx.docker.listNetworks({ filters: { name: [fx.network] } })) as Array<{ Name: string }>;
  assert.equal(networks.filter((n) => n.Name === fx.network).length, 1, 'one network');
  const services = ((await fx.docker.listServices()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name).filter((n) => n.startsWith(`challenge-${fx.prefix}-`));
  assert.deepEqual(services.sort(), names.map((n) => fx.service(n)).sort());
  const secrets = ((await fx.docker.listSecrets()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name).filter((n) => n.startsWith(`challenge-${fx.prefix}-`));
  assert.equal(secrets.length, names.length, `one token secret per challenge: ${secrets.join(', ')}`);
  const volumes = (((await fx.docker.listVolumes()) as { Volumes: Array<{ Name: string }> }).Volumes ?? []).map((v) => v.Name);
  for (const name of names) assert.ok(volumes.includes(`${fx.service(name)}-data`), `volume of ${name} exists`);
  assert.equal(changed(await fx.plan()).length, 0, 'converged');
  const tasks = await execa('docker', ['service', 'ls', '--filter', `name=challenge-${fx.prefix}-`, '--format', '{{.Replicas}}']);
  assert.deepEqual(tasks.stdout.split('\n').filter(Boolean), names.map(() => '1/1'));
});
