import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('digest');
});
after(async () => {
  await fx.cleanup();
});

test('changing one challenge digest plans exactly one rolls-tasks update and replaces only that service tasks', async () => {
  const { http, http2 } = await testImages();
  await fx.write([{ name: 'a', image: http }, { name: 'b', image: http }]);
  const first = await fx.apply();
  assert.equal(first.outcome.exitCode, 0, first.output);

  await fx.write([{ name: 'a', image: http2 }, { name: 'b', image: http }]);
  const plan = await fx.plan();
  const changes = changed(plan);
  assert.equal(changes.length, 1, JSON.stringify(changes, null, 2));
  assert.equal(changes[0]!.name, fx.service('a'));
  assert.equal(changes[0]!.action, 'update');
  assert.equal(changes[0]!.impact, 'rolls-tasks');
  assert.equal(plan.summary.restarts, 1);

  const tasksBefore = await fx.taskIds();
  const versionsBefore = await fx.serviceVersions();
  const second = await fx.apply();
  assert.equal(second.outcome.exitCode, 0, second.output);
  assert.match(second.output, new RegExp(`update service ${fx.service('a')}: ok`));
  const tasksAfter = await fx.taskIds();
  const versionsAfter = await fx.serviceVersions();

  assert.deepEqual(tasksAfter[fx.service('b')], tasksBefore[fx.service('b')], 'b keeps its tasks');
  assert.equal(versionsAfter[fx.service('b')], versionsBefore[fx.service('b')], 'b keeps its Version');
  const newTasks = tasksAfter[fx.service('a')]!.filter((id) => !tasksBefore[fx.service('a')]!.includes(id));
  assert.equal(newTasks.length, 1, 'a got exactly one new task');
  const spec = (await fx.serviceInfo(fx.service('a'))).Spec.TaskTemplate as Docker.ContainerTaskSpec;
  assert.equal(spec.ContainerSpec?.Image, http2);
  assert.equal(changed(await fx.plan()).length, 0, 'converged');
});
