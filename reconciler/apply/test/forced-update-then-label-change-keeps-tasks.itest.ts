import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('force');
});
after(async () => {
  await fx.cleanup();
});

// `docker service update --force` bumps TaskTemplate.ForceUpdate; an update that sent the counter back would
// make Swarm replace every task of a service whose change was only a label.
test('after a manual --force update, a label-only apply still replaces no task', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http, emission_percent: 10 }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);

  await execa('docker', ['service', 'update', '--force', '--detach=false', '--quiet', fx.service('a')]);
  const forced = await fx.serviceInfo(fx.service('a'));
  assert.ok((forced.Spec.TaskTemplate?.ForceUpdate ?? 0) > 0, 'the manual update bumped ForceUpdate');
  assert.equal(changed(await fx.plan()).length, 0, 'a forced restart alone is not drift');

  await fx.write([{ name: 'a', image: http, emission_percent: 30 }]);
  const tasksBefore = await fx.taskIds();
  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  assert.deepEqual(await fx.taskIds(), tasksBefore, 'no task replaced');
  const info = await fx.serviceInfo(fx.service('a'));
  assert.equal(info.Spec.Labels?.['base.challenge.emission-percent'], '30');
  assert.equal(info.Spec.TaskTemplate?.ForceUpdate, forced.Spec.TaskTemplate?.ForceUpdate);
});
