import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('label');
});
after(async () => {
  await fx.cleanup();
});

test('changing only the emission percent is a no-restart update: no task is replaced', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http, emission_percent: 10 }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);

  await fx.write([{ name: 'a', image: http, emission_percent: 25 }]);
  const changes = changed(await fx.plan());
  assert.equal(changes.length, 1, JSON.stringify(changes, null, 2));
  assert.equal(changes[0]!.impact, 'no-restart');
  assert.ok(changes[0]!.diffs.every((d) => !d.rollsTasks));

  const tasksBefore = await fx.taskIds();
  const versionBefore = (await fx.serviceVersions())[fx.service('a')]!;
  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  assert.deepEqual(await fx.taskIds(), tasksBefore, 'no task replaced');
  const info = await fx.serviceInfo(fx.service('a'));
  assert.equal(info.Spec.Labels?.['base.challenge.emission-percent'], '25');
  assert.ok(info.Version.Index > versionBefore, 'the service itself was updated');
  assert.equal(changed(await fx.plan()).length, 0);
});
