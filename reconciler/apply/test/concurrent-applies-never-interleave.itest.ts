import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { lockPath } from '../../lock/index.ts';
import { baseCli, changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('lock');
});
after(async () => {
  await fx.cleanup();
});

/** Runs `start` once an apply holds the lock (process start-up time varies a lot under load). */
async function afterLockTaken<T>(start: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  while (!(await stat(lockPath(fx.state.dir)).then(() => true, () => false))) {
    assert.ok(Date.now() < deadline, 'the first apply never took the lock');
    await new Promise((r) => setTimeout(r, 20));
  }
  return start();
}

function applyArgs(extra: string[]): string[] {
  return ['apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--revision', 'itest', ...extra, ...fx.onlyPrefixArgs];
}

test('two applies at once: without waiting the second is refused naming the holder; with waiting it runs after the first, never interleaved', async () => {
  const { http, http2 } = await testImages();
  await fx.write([{ name: 'a', image: http }, { name: 'b', image: http }]);
  assert.equal((await fx.apply()).outcome.exitCode, 0);

  // Each apply below rolls two services (Swarm monitors each new task for 15 s), so it holds the lock long enough
  // for the second process to start even on a loaded machine.
  await fx.write([{ name: 'a', image: http2 }, { name: 'b', image: http2 }]);
  const [one, two] = await Promise.all([baseCli(applyArgs(['--lock-timeout', '0'])), afterLockTaken(() => baseCli(applyArgs(['--lock-timeout', '0'])))]);
  assert.equal(one.exitCode, 0, one.stdout + one.stderr);
  assert.match(one.stdout, /Apply complete: 2 succeeded/);
  assert.equal(two.exitCode, 1, two.stdout + two.stderr);
  assert.match(two.stderr, /another apply holds the lock .*: pid \d+ on host .*started .*command: base apply/);
  assert.doesNotMatch(two.stdout, /Apply complete|update service/, 'the refused apply did nothing');

  // With a lock timeout the second waits, then plans against what the first did: nothing left to do.
  await fx.write([{ name: 'a', image: http }, { name: 'b', image: http }]);
  const [first, second] = await Promise.all([
    baseCli(applyArgs(['--lock-timeout', '120'])),
    afterLockTaken(() => baseCli(applyArgs(['--lock-timeout', '120']))),
  ]);
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  assert.match(second.stderr, /waiting for the apply lock held by pid \d+/);
  assert.match(second.stdout, /No changes/);
  assert.match(first.stdout, /update service/);
  assert.doesNotMatch(second.stdout, /update service/);
  assert.equal(changed(await fx.plan()).length, 0);
});
