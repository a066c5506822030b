import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('remove');
});
after(async () => {
  await fx.cleanup();
});

test('removing a challenge removes its service and keeps its volume and token; adding it back sees the data', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http }, { name: 'keep', image: http }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);
  assert.equal(await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/write?f=hello.txt&v=from-the-first-task`), 'written');
  const tokenSecret = (await fx.state.tokenSecretNames([fx.slug('a')])).get(fx.slug('a'));

  await fx.write([{ name: 'keep', image: http }]);
  const plan = await fx.plan();
  const deletes = changed(plan).filter((c) => c.action === 'delete');
  assert.ok(deletes.some((c) => c.kind === 'service' && c.name === fx.service('a')), JSON.stringify(deletes));
  assert.ok(!deletes.some((c) => c.kind === 'volume'), 'volumes are never deleted');
  const removed = await fx.apply();
  assert.equal(removed.outcome.exitCode, 0, removed.output);

  await assert.rejects(fx.docker.getService(fx.service('a')).inspect(), /no such service|not found/i);
  const volume = `${fx.service('a')}-data`;
  const inspected = (await fx.docker.getVolume(volume).inspect()) as { Labels: Record<string, string> };
  assert.equal(inspected.Labels['base.challenge.slug'], fx.slug('a'));
  const { http: image } = await testImages();
  const read = await execa('docker', ['run', '--rm', '--label', `base.test=${fx.prefix}`, '-v', `${volume}:/data`, image, '/usr/bin/node', '-e', "process.stdout.write(require('fs').readFileSync('/data/hello.txt','utf8'))"]);
  assert.equal(read.stdout, 'from-the-first-task');

  await fx.write([{ name: 'a', image: http }, { name: 'keep', image: http }]);
  const back = await fx.apply();
  assert.equal(back.outcome.exitCode, 0, back.output);
  assert.equal(await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/read?f=hello.txt`), 'from-the-first-task');
  assert.equal((await fx.state.tokenSecretNames([fx.slug('a')])).get(fx.slug('a')), tokenSecret, 'the token is reused');
  assert.equal(changed(await fx.plan()).length, 0);
});
