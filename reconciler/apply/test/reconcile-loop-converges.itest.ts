import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { ReconcileLoop } from '../../loop/index.ts';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
let loop: ReconcileLoop | null = null;
before(async () => {
  fx = await Fixture.create('loop');
});
after(async () => {
  await loop?.stop();
  await fx.cleanup();
});

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; loop history: ${JSON.stringify(loop?.history, null, 1)}`);
    await sleep(200);
  }
}

test('the watch loop applies on start, reverts drift on its interval, reports an invalid file without applying, follows file changes', async () => {
  const { http } = await testImages();
  await fx.write([{ name: 'a', image: http, emission_percent: 10 }]);
  const lines: string[] = [];
  loop = new ReconcileLoop({
    file: fx.file,
    docker: fx.docker,
    state: fx.state,
    scope: fx.scope,
    driftIntervalMs: 2_000,
    gitPollMs: null,
    retries: 1,
    minRetryMs: 200,
    maxRetryMs: 500,
    rollout: { pollMs: 200, stableMs: 500 },
    log: (line) => lines.push(line),
  });
  loop.start();

  await until('the first apply', () => loop!.history.find((h) => h.result.kind === 'applied'));
  assert.equal(changed(await fx.plan()).length, 0);
  await until('an in-sync pass', () => loop!.history.find((h) => h.result.kind === 'in-sync'));

  // A field only the master reads changes no service: the in-sync pass records it in the applied copy.
  const appliedCopy = path.join(fx.state.appliedDesiredStateDir(), 'subnet.yaml');
  await writeFile(fx.file, (await readFile(fx.file, 'utf8')).replace('epoch_interval_seconds: 12', 'epoch_interval_seconds: 24'));
  await until('the applied copy to carry the new epoch interval', async () => /epoch_interval_seconds: 24/.test(await readFile(appliedCopy, 'utf8')));
  assert.equal(changed(await fx.plan()).length, 0, 'no service changed');

  // Drift by hand is reverted by a later pass.
  await execa('docker', ['service', 'update', '--detach', '--label-add', 'drifted=yes', fx.service('a')]);
  await until('the drift revert', async () => (await fx.serviceInfo(fx.service('a'))).Spec.Labels?.drifted === undefined);

  // An invalid file is reported and nothing is applied.
  const versions = await fx.serviceVersions();
  await writeFile(fx.file, 'version: 1\nchallenges: [ {slug: BAD} ]\n');
  await until('an invalid pass', () => loop!.history.find((h) => h.result.kind === 'invalid'));
  await sleep(2_500); // at least one more drift interval with the invalid file
  assert.deepEqual(await fx.serviceVersions(), versions, 'nothing applied while the file is invalid');
  assert.ok(lines.some((l) => /invalid desired state, nothing applied/.test(l)), lines.join('\n'));
  assert.match(await readFile(appliedCopy, 'utf8'), /epoch_interval_seconds: 24/, 'the invalid file never reaches the applied copy');

  // A fixed file with a change is applied (the file watcher triggers it).
  const passes = loop.history.length;
  await fx.write([{ name: 'a', image: http, emission_percent: 30 }]);
  await until('the file change to be applied', async () => (await fx.serviceInfo(fx.service('a'))).Spec.Labels?.['base.challenge.emission-percent'] === '30');
  assert.ok(loop.history.slice(passes).some((h) => h.reasons.includes('file changed')), JSON.stringify(loop.history.slice(passes)));
});
