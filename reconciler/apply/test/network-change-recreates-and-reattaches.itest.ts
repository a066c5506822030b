import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('netmtu');
});
after(async () => {
  await fx.cleanup();
});

test('a changed network option recreates the network and re-attaches its services, which stay reachable by name', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);
  const before = (await fx.docker.getNetwork(fx.network).inspect()) as { Id: string };

  await writeFile(fx.file, (await readFile(fx.file, 'utf8')).replace('mtu: 1450', 'mtu: 1400'));
  const plan = await fx.plan();
  const networkChange = changed(plan).find((c) => c.kind === 'network');
  assert.equal(networkChange?.action, 'update', JSON.stringify(changed(plan)));

  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  const after = (await fx.docker.getNetwork(fx.network).inspect()) as { Id: string; Options: Record<string, string>; Labels: Record<string, string> };
  assert.notEqual(after.Id, before.Id, 'a new network');
  assert.equal(after.Options['com.docker.network.driver.mtu'], '1400');
  assert.equal(after.Labels['base.managed-by'], 'base');
  const task = (await fx.serviceInfo(fx.service('a'))).Spec.TaskTemplate as Docker.ContainerTaskSpec;
  assert.deepEqual(task.Networks?.map((n) => n.Target), [after.Id]);
  assert.equal(await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/`), `ok ${fx.slug('a')}`);
  assert.equal(changed(await fx.plan()).length, 0, 'converged');
});
