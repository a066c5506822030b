import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { baseCli, Fixture, testImages } from '../../apply/test/support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('purge');
});
after(async () => {
  await fx.cleanup();
});

const volumeExists = async (name: string) => (await execa('docker', ['volume', 'inspect', name], { reject: false })).exitCode === 0;

test('volume purge: refuses a wrong --confirm, a volume in use and an unmanaged volume; removes only that slug once its service is gone', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http }, { name: 'b', image: http }]);
  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  assert.equal(await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/write?f=data.txt&v=${'x'.repeat(4096)}`), 'written');
  const slug = fx.slug('a');
  const volume = `${fx.service('a')}-data`;
  const stateDir = ['--state-dir', fx.state.dir];

  const wrong = await baseCli(['volume', 'purge', slug, '--confirm', fx.slug('b'), ...stateDir]);
  assert.equal(wrong.exitCode, 1);
  assert.match(wrong.stderr, /--confirm must repeat the slug exactly/);

  const inUse = await baseCli(['volume', 'purge', slug, '--confirm', slug, ...stateDir]);
  assert.equal(inUse.exitCode, 1, inUse.stdout);
  assert.match(inUse.stderr, new RegExp(`in use by service ${fx.service('a')}`));
  assert.match(inUse.stdout, /in use: YES/);
  const size = /size: .*\((\d+) bytes\)/.exec(inUse.stdout);
  assert.ok(size && Number(size[1]) >= 4096, `shows the size of the data written:\n${inUse.stdout}`);
  assert.ok(await volumeExists(volume), 'still there after the refusals');

  // A volume of the challenge naming pattern without base's labels is never removed.
  const stray = `challenge-${fx.prefix}-stray-data`;
  await execa('docker', ['volume', 'create', '--label', `base.test=${fx.prefix}`, stray]);
  const unmanaged = await baseCli(['volume', 'purge', `${fx.prefix}-stray`, '--confirm', `${fx.prefix}-stray`, ...stateDir]);
  assert.equal(unmanaged.exitCode, 1);
  assert.match(unmanaged.stderr, /not a base-managed volume/);
  assert.ok(await volumeExists(stray));

  // Removing the challenge keeps its volume; once its task is gone, purge removes exactly that volume.
  await fx.write([{ name: 'a', image: http, status: 'inactive' }, { name: 'b', image: http }]);
  const removed = await fx.apply();
  assert.equal(removed.outcome.exitCode, 0, removed.output);
  assert.ok(await volumeExists(volume), 'reconciling never removes a volume');
  let purge = await baseCli(['volume', 'purge', slug, '--confirm', slug, ...stateDir]);
  for (let i = 0; purge.exitCode !== 0 && /in use/.test(purge.stderr) && i < 60; i++) {
    await sleep(500); // the task's container leaves a moment after its service
    purge = await baseCli(['volume', 'purge', slug, '--confirm', slug, ...stateDir]);
  }
  assert.equal(purge.exitCode, 0, purge.stderr);
  assert.match(purge.stdout, new RegExp(`purged volume ${volume}`));
  assert.equal(await volumeExists(volume), false);
  assert.ok(await volumeExists(`${fx.service('b')}-data`), "another challenge's volume is untouched");
  assert.ok(await volumeExists(stray));

  const again = await baseCli(['volume', 'purge', slug, '--confirm', slug, ...stateDir]);
  assert.equal(again.exitCode, 1);
  assert.match(again.stderr, /not found; nothing to purge/);
});
