import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { baseCli, changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('lock');
});
after(async () => {
  await fx.cleanup();
});

function applyArgs(extra: string[]): string[] {
  return ['apply', fx.file, '--auto-approve', '--state-dir', fx.state.dir, '--revision', 'itest', ...extra, ...fx.onlyPrefixArgs];
}

test('two applies at once: without waiting the second is refused naming the holder; with waiting it runs after the first', async () => {
  const { http, http2 } = await testImages();
  await fx.write([{ name: 'a', image: http }, { name: 'b', image: http }]);

  const [one, two] = await Promise.all([baseCli(applyArgs(['--lock-timeout', '0'])), baseCli(applyArgs(['--lock-timeout', '0']))]);
  const winners = [one, two].filter((r) => r.exitCode === 0);
  const losers = [one, two].filter((r) => r.exitCode !== 0);
  assert.equal(winners.length, 1, `${one.stderr}\n${two.stderr}`);
  assert.equal(losers.length, 1);
  assert.match(losers[0]!.stderr, /another apply holds the lock .*: pid \d+ on host .*started .*command: base apply/);
  assert.match(winners[0]!.stdout, /Apply complete/);

  // With a lock timeout the second waits, then plans against what the first did: nothing left to do.
  await fx.write([{ name: 'a', image: http2 }, { name: 'b', image: http2 }]);
  const [first, second] = await Promise.all([
    baseCli(applyArgs(['--lock-timeout', '120'])),
    (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return baseCli(applyArgs(['--lock-timeout', '120']));
    })(),
  ]);
  assert.equal(first.exitCode, 0, first.stdout + first.stderr);
  assert.equal(second.exitCode, 0, second.stdout + second.stderr);
  assert.match(second.stderr, /waiting for the apply lock held by pid \d+/);
  assert.match(second.stdout, /No changes/);
  assert.doesNotMatch(second.stdout, /update service/);
  assert.equal(changed(await fx.plan()).length, 0);
});
