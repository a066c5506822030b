import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('drift');
});
after(async () => {
  await fx.cleanup();
});

test('an env var added by hand shows in the next plan and apply removes it', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);

  await execa('docker', ['service', 'update', '--detach', '--env-add', 'X=1', fx.service('a')]);
  const changes = changed(await fx.plan());
  assert.equal(changes.length, 1, JSON.stringify(changes, null, 2));
  assert.equal(changes[0]!.impact, 'rolls-tasks');
  assert.ok(changes[0]!.diffs.some((d) => d.path.includes('Env') && d.path.includes('X')), JSON.stringify(changes[0]!.diffs));

  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  const env = ((await fx.serviceInfo(fx.service('a'))).Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Env ?? [];
  assert.ok(!env.includes('X=1'), env.join(' '));
  assert.equal(changed(await fx.plan()).length, 0);
});
