import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { baseCli, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('safe');
});
after(async () => {
  await fx.cleanup();
});

const ours = async () => ((await fx.docker.listServices()) as Array<{ Spec: { Name: string } }>).filter((s) => s.Spec.Name.startsWith(`challenge-${fx.prefix}-`));

test('an invalid file lists its problems and applies nothing', async () => {
  await writeFile(fx.file, 'version: 1\nsubnet: {}\nchallenges: [ { slug: Bad } ]\n');
  const run = await baseCli(['apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, ...fx.onlyPrefixArgs]);
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, new RegExp(`${fx.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  assert.match(run.stderr, /nothing was applied/);
  assert.equal((await ours()).length, 0);
});

test('without a terminal and without --auto-approve, apply shows the plan and refuses', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http }]);
  const run = await baseCli(['apply', fx.file, '--state-dir', fx.state.dir, ...fx.onlyPrefixArgs]);
  assert.equal(run.exitCode, 1);
  assert.match(run.stdout, /Plan: \d+ to add/);
  assert.match(run.stderr, /not a terminal.*--auto-approve/);
  assert.equal((await ours()).length, 0);
});

test('a saved plan is applied only while the live state is unchanged; output never carries a token', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http }]);
  const saved = path.join(fx.dir, 'plan.json');
  const save = await baseCli(['apply', fx.file, '--save-plan', saved, '--state-dir', fx.state.dir, ...fx.onlyPrefixArgs]);
  assert.equal(save.exitCode, 0, save.stderr);
  const applied = await baseCli(['apply', '--plan', saved, '--auto-approve', '--state-dir', fx.state.dir, ...fx.onlyPrefixArgs]);
  assert.equal(applied.exitCode, 0, applied.stdout + applied.stderr);
  assert.equal((await ours()).length, 1);
  const token = (await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/token`)).trim();
  for (const text of [save.stdout, save.stderr, applied.stdout, applied.stderr]) assert.ok(!text.includes(token), 'the token never appears in output');

  await fx.write([{ name: 'a', image: http, emission_percent: 42 }]);
  const second = path.join(fx.dir, 'plan2.json');
  assert.equal((await baseCli(['apply', fx.file, '--save-plan', second, '--state-dir', fx.state.dir, ...fx.onlyPrefixArgs])).exitCode, 0);
  await execa('docker', ['service', 'update', '--detach', '--label-add', 'by-hand=1', fx.service('a')]);
  const stale = await baseCli(['apply', '--plan', second, '--auto-approve', '--state-dir', fx.state.dir, ...fx.onlyPrefixArgs]);
  assert.equal(stale.exitCode, 1);
  assert.match(stale.stderr, /live state changed since the plan was made .*; re-plan/);
  const labels = (await fx.serviceInfo(fx.service('a'))).Spec.Labels ?? {};
  assert.notEqual(labels['base.challenge.emission-percent'], '42', 'the stale plan was not applied');
});
