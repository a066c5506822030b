// The submitter against the real subtensor runtime under chopsticks: a sealed vector served over HTTP goes on chain
// exactly; a restart does not send it again; a round inside the rate limit waits; --dry-run sends nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { Ledger } from '../ledger.ts';
import { runRound } from '../round.ts';
import type { RoundReport } from '../round.ts';
import { runSubmitter } from '../run.ts';
import { SubtensorChainAccess } from '../chain-access.ts';
import { startSubmitterChain } from './chain-fixture.ts';
import type { SubmitterChainFixture } from './chain-fixture.ts';
import { TEST_MNEMONIC } from './helpers.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let fx: SubmitterChainFixture;

before(async () => {
  fx = await startSubmitterChain();
}, { timeout: 300_000 });
after(async () => {
  await fx?.close();
});

async function once(file: string, dryRun = false): Promise<{ code: number; lines: Array<Record<string, unknown>> }> {
  const lines: string[] = [];
  const code = await runSubmitter({ configFile: file, once: true, dryRun, log: (line) => lines.push(line) });
  return { code, lines: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('a sealed vector is set on chain and read back from Weights exactly; a restart does not submit it again', async () => {
  const vector = await fx.publish();
  const { file } = fx.config('success');
  const first = await once(file);
  const round = first.lines.at(-1)!;
  assert.equal(first.code, 0, JSON.stringify(round));
  assert.equal(round.outcome, 'submitted');
  assert.equal(round.digest, vector.digest);
  assert.equal(round.hotkey, fx.validator.address);
  const block = round.block as { number: number; hash: string };
  assert.equal(await fx.lastUpdate(), block.number);

  const expected = vector.weights_u16.uids.map((uid, i) => [uid, vector.weights_u16.weights[i]]);
  assert.deepEqual(await fx.storedWeights(), expected);
  assert.ok(vector.weights_u16.uids.length >= 2);

  // No key material in what was logged.
  const logged = first.lines.map((l) => JSON.stringify(l)).join('\n');
  assert.ok(!logged.includes('//validator') && !logged.includes(TEST_MNEMONIC));

  // A restart, as a separate process through the CLI: same ledger, same digest on offer.
  const best = await fx.net.bestBlock();
  const second = await execa('node', ['bin/base.mjs', 'submitter', 'run', '--config', file, '--once'], { cwd: PROJECT_ROOT, reject: false });
  assert.equal(second.exitCode, 0, second.stderr);
  const report = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as RoundReport;
  assert.equal(report.outcome, 'already_submitted');
  assert.equal(report.digest, vector.digest);
  assert.deepEqual(await fx.net.bestBlock(), best, 'a block was built: something was submitted');
  assert.equal(await fx.lastUpdate(), block.number);
});

test('inside the weights rate limit a round waits instead of sending, and submits once the limit has passed', async () => {
  const { config } = fx.config('rate-limit');
  const chain = new SubtensorChainAccess(config.chainEndpoint, fx.validator, config.chain);
  const ledger = Ledger.open(config.stateDir);
  const round = () => runRound({ config, hotkey: fx.validator.address, ledger, chain, fetchVector: async () => ({ body: JSON.parse(JSON.stringify(current)), attempts: 1 }) });
  let current = await fx.publish({});
  try {
    assert.equal((await round()).outcome, 'submitted');
    const submittedAt = await fx.lastUpdate();
    await fx.net.setWeightsHyperparameters(fx.netuid, { weightsSetRateLimit: 6 });

    const scores = Object.fromEntries(Object.keys(fx.hotkeyToUid).map((hotkey, i) => [hotkey, 10 - i]));
    current = await fx.publish(scores);
    const before = await fx.net.bestBlock();
    const waiting = await round();
    assert.equal(waiting.outcome, 'waiting_rate_limit', JSON.stringify(waiting));
    assert.equal(waiting.blocks_until_allowed, submittedAt + 6 - before.number);
    assert.equal(waiting.next_round_in_ms, Math.max(1_000, waiting.blocks_until_allowed! * config.chain.blockTimeMs));
    assert.deepEqual(await fx.net.bestBlock(), before, 'nothing may be sent inside the rate limit');
    assert.equal(ledger.find(current.digest, fx.netuid, fx.validator.address), undefined);

    await fx.net.newBlocks(waiting.blocks_until_allowed!);
    const later = await round();
    assert.equal(later.outcome, 'submitted', JSON.stringify(later));
    assert.deepEqual(await fx.storedWeights(), current.weights_u16.uids.map((uid, i) => [uid, current.weights_u16.weights[i]]));
  } finally {
    await fx.net.setWeightsHyperparameters(fx.netuid, { weightsSetRateLimit: 0 });
    await chain.close();
  }
});

test('--dry-run checks everything, prints the call it would make, and neither sends nor records anything', async () => {
  const vector = await fx.publish({ ...Object.fromEntries(Object.keys(fx.hotkeyToUid).map((hotkey) => [hotkey, 1])) });
  const { file, config } = fx.config('dry-run');
  const before = await fx.net.bestBlock();
  const result = await once(file, true);
  const round = result.lines.at(-1)!;
  assert.equal(result.code, 0, JSON.stringify(round));
  assert.equal(round.outcome, 'dry_run');
  assert.deepEqual(round.would_submit, {
    netuid: fx.netuid,
    uids: vector.weights_u16.uids,
    weights: vector.weights_u16.weights,
    version_key: '0',
  });
  assert.deepEqual(await fx.net.bestBlock(), before);
  assert.throws(() => readFileSync(path.join(config.stateDir, 'ledger.json')), /ENOENT/);
});
