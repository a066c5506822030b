import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { ApplyResult } from '../result.ts';
import { baseCli, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('fail');
});
after(async () => {
  await fx.cleanup();
});

test('an image that exits at once: Swarm rolls the update back, a new service never starts; apply reports both and exits non-zero', async () => {
  const { http, crash } = await testImages();
  await fx.write([{ name: 'a', image: http }, { name: 'b', image: http }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);
  const appliedCopy = path.join(fx.state.appliedDesiredStateDir(), 'subnet.yaml');
  const lastApplied = await readFile(appliedCopy, 'utf8');
  assert.match(lastApplied, new RegExp(`slug: ${fx.slug('b')}`), 'the successful apply recorded its desired state');

  await fx.write([{ name: 'a', image: crash }, { name: 'b', image: http }, { name: 'c', image: crash }]);
  const resultFile = path.join(fx.dir, 'result.json');
  const run = await baseCli([
    'apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--revision', 'itest', '--rollout-timeout', '90',
    '--result-out', resultFile, ...fx.onlyPrefixArgs,
  ]);
  assert.notEqual(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /Apply (PARTIALLY )?FAILED/);
  const result = JSON.parse(await readFile(resultFile, 'utf8')) as ApplyResult;
  assert.notEqual(result.outcome, 'succeeded');
  // The master keeps serving the last state that was fully applied.
  assert.equal(await readFile(appliedCopy, 'utf8'), lastApplied, 'a failed apply does not replace the applied copy');
  const byName = new Map(result.objects.map((o) => [o.name, o]));
  const a = byName.get(fx.service('a'));
  assert.equal(a?.outcome, 'failed', JSON.stringify(result, null, 2));
  assert.match(a?.error ?? '', /rolled back|rollback|paused/);
  const c = byName.get(fx.service('c'));
  assert.equal(c?.outcome, 'failed', JSON.stringify(result, null, 2));
  assert.match(c?.error ?? '', /keep failing|timed out/);

  const info = (await fx.docker.getService(fx.service('a')).inspect()) as { UpdateStatus?: { State?: string }; Spec: Docker.ServiceSpec };
  assert.match(info.UpdateStatus?.State ?? '', /^rollback/);
  // Swarm rolled the spec back to the working image.
  assert.equal((info.Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Image, http);
});
