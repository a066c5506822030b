import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { nextWait, runSubmitter } from '../run.ts';
import type { RoundReport } from '../round.ts';
import { RecordingChain, sealedVector, serveVector, TEST_MNEMONIC, tempDir, testConfig, writeConfig, writeSecret } from './helpers.ts';

const work = tempDir('loop');
after(() => work.remove());

test('the loop runs rounds at the cadence and stops cleanly when signalled, submitting the digest once', async () => {
  writeSecret(path.join(work.dir, 'hotkey.seed'), TEST_MNEMONIC);
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: { v: 0, a: 1, b: 2 } });
  const server = await serveVector(() => vector);
  try {
    const file = writeConfig(work.dir, { weights_url: server.url, cadence_seconds: 1 });
    const chain = new RecordingChain();
    const controller = new AbortController();
    const lines: Array<Record<string, unknown>> = [];
    const code = await runSubmitter({
      configFile: file,
      once: false,
      dryRun: false,
      chain,
      signal: controller.signal,
      log: (line) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (lines.filter((l) => l.event === 'round').length === 2) controller.abort();
      },
    });
    assert.equal(code, 0);
    assert.deepEqual(lines.map((l) => l.event), ['start', 'round', 'round', 'stop']);
    assert.deepEqual(lines.filter((l) => l.event === 'round').map((l) => l.outcome), ['submitted', 'already_submitted']);
    assert.equal(chain.submissions.length, 1);
    assert.ok(!JSON.stringify(lines).includes(TEST_MNEMONIC.split(' ')[0]!));
  } finally {
    await server.close();
  }
});

test('the next round comes at the cadence, sooner when the rate limit lifts or a reveal window opens sooner, never in a busy loop', () => {
  const config = testConfig(work.dir, { cadence_seconds: 120 });
  const report = (hint?: number) => ({ next_round_in_ms: hint }) as RoundReport;
  assert.equal(nextWait([report()], config), 120_000);
  assert.equal(nextWait([report(24_000)], config), 24_000);
  assert.equal(nextWait([report(10)], config), 1_000);
  assert.equal(nextWait([report(10_000_000)], config), 120_000);
  assert.equal(nextWait([report(), { next_round_in_ms: 36_000 }, { next_round_in_ms: 60_000 }], config), 36_000, 'the soonest reveal window');
});
