// On a subnet with commit-reveal on, a round commits instead of setting weights: timelocked when the runtime has
// commit_timelocked_weights (the commit opens with the real drand pulse of its planned round to exactly the signer's
// sealed u16 vector), hash otherwise (the salt stays in the 0600 ledger, never in a log line); the mode the config
// asks for must exist; one commit per reveal window; --dry-run prints the planned round, size and call, sends
// nothing. The chain is a recording stand-in here (no runtime with commit_timelocked_weights runs offline).
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto';
import { decodeWeightsTlockPayload, hashCommit } from '../commit-reveal/payload.ts';
import { decryptCommit } from '../commit-reveal/timelock.ts';
import { Ledger } from '../ledger.ts';
import { runRound } from '../round.ts';
import type { RoundReport } from '../round.ts';
import { commitRevealReading, permissiveState, RecordingChain, ROUND_1000_AT_MS, sealedVector, tempDir, testConfig } from './helpers.ts';

const work = tempDir('commit');
after(() => work.remove());
const HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const PULSE_1000 = Buffer.from('b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39', 'hex');
const NOW = new Date(commitRevealReading().timestampMs + 1_000);

function crChain(reading = commitRevealReading()) {
  const chain = new RecordingChain(permissiveState({ commitRevealEnabled: true, block: reading.block }), {
    status: 'included',
    extrinsicHash: '0x01',
    blockHash: `0x${'0b'.repeat(32)}`,
    blockNumber: 11,
  });
  chain.commitReveal = reading;
  return chain;
}

async function round(name: string, chain: RecordingChain, options: { mode?: string; dryRun?: boolean; epoch?: number } = {}) {
  const config = testConfig(work.dir, { state_dir: name, ...(options.mode ? { commit_reveal: { mode: options.mode } } : {}) });
  const vector = await sealedVector({ netuid: 2, epoch: options.epoch ?? 1000, hotkeyToUid: { v: 0, a: 1, b: 2, c: 3 }, computedAt: NOW });
  const ledger = options.dryRun ? Ledger.openReadOnly(config.stateDir) : Ledger.open(config.stateDir);
  const report = await runRound({ config, hotkey: HOTKEY, ledger, chain, now: () => NOW, dryRun: options.dryRun ?? false, fetchVector: async () => ({ body: vector, attempts: 1 }) });
  return { report, ledger, vector, config };
}

test('timelocked: the commit opens with the pulse of its planned round to the signer, the sealed u16 vector and the version key', async () => {
  const chain = crChain();
  const { report, ledger, vector } = await round('timelocked', chain);
  assert.equal(report.outcome, 'committed', JSON.stringify(report));
  assert.equal(chain.submissions.length, 0, 'no set_weights on a commit-reveal subnet');
  const [call] = chain.commitRevealSubmissions;
  assert.ok(call && call.kind === 'commit_timelocked');
  assert.equal(call.revealRound, 1000n);
  assert.equal(call.commitRevealVersion, 7, 'the version comes from chain storage');
  assert.equal(call.netuid, 2);

  const opened = decodeWeightsTlockPayload(decryptCommit(call.commit, PULSE_1000));
  assert.equal(u8aToHex(opened.hotkey), u8aToHex(decodeAddress(HOTKEY)));
  assert.deepEqual(opened.uids, vector.weights_u16.uids);
  assert.deepEqual(opened.values, vector.weights_u16.weights);
  assert.equal(opened.versionKey, 0n);

  const entry = ledger.find(vector.digest, 2, HOTKEY)!;
  assert.equal(entry.state, 'included');
  assert.deepEqual(
    { ...entry.commit, reveal: { state: entry.commit!.reveal.state } },
    {
      mode: 'timelocked',
      commit_hash: blake2AsHex(call.commit, 256),
      netuid_index: 2,
      uids: vector.weights_u16.uids,
      values: vector.weights_u16.weights,
      version_key: '0',
      reveal_round: '1000',
      commit_block: 11,
      commit_epoch: 1,
      reveal_window: { first_block: 19, last_block: 29 },
      reveal: { state: 'pending' },
    },
  );
  assert.deepEqual(report.commit, {
    mode: 'timelocked',
    commit_hash: blake2AsHex(call.commit, 256),
    commit_block: 11,
    commit_epoch: 1,
    reveal_window: { first_block: 19, last_block: 29 },
    reveal_round: '1000',
    reveal_round_published_at: new Date(ROUND_1000_AT_MS).toISOString(),
    commit_bytes: call.commit.length,
  });
  assert.deepEqual(report.block, { number: 11, hash: `0x${'0b'.repeat(32)}` });
});

test('auto without commit_timelocked_weights commits a hash; the salt is in the 0600 ledger and in no report', async () => {
  const chain = crChain(commitRevealReading({ capabilities: { timelocked: false, hash: true } }));
  const { report, ledger, vector, config } = await round('hash', chain);
  assert.equal(report.outcome, 'committed', JSON.stringify(report));
  const [call] = chain.commitRevealSubmissions;
  assert.ok(call && call.kind === 'commit_hash');
  const commit = ledger.find(vector.digest, 2, HOTKEY)!.commit!;
  assert.equal(commit.mode, 'hash');
  assert.equal(commit.salt?.length, 16);
  assert.equal(
    call.commitHash,
    hashCommit({ hotkey: decodeAddress(HOTKEY), netuid: 2, uids: vector.weights_u16.uids, values: vector.weights_u16.weights, salt: commit.salt!, versionKey: 0n }),
  );
  assert.deepEqual(commit.reveal_window, { first_block: 19, last_block: 29 });
  assert.equal(statSync(ledger.file).mode & 0o777, 0o600);
  const logged = JSON.stringify(report);
  assert.ok(!logged.includes(JSON.stringify(commit.salt)) && !logged.includes(commit.salt!.join(',')), 'the salt is in the report');
  assert.ok(readFileSync(ledger.file, 'utf8').includes('"salt"'));
  assert.equal(config.commitReveal.mode, 'auto');
});

test('a mode the runtime lacks, an unknown commit-reveal version, or numbers the planner distrusts: refused, nothing sent', async () => {
  const cases: Array<[string, Parameters<typeof commitRevealReading>[0], string | undefined, RegExp]> = [
    ['no-timelock', { capabilities: { timelocked: false, hash: true } }, 'timelocked', /^commit_reveal_unsupported: commit_reveal\.mode is timelocked/],
    ['no-calls', { capabilities: { timelocked: false, hash: false } }, undefined, /^commit_reveal_unsupported: commit-reveal is on, and this runtime has neither/],
    ['no-version', { commitRevealVersion: null }, undefined, /^commit_reveal_version_unknown: /],
    ['tempo-0', { tempo: 0 }, undefined, /^tempo_zero: /],
    ['drand-stalled', { lastStoredRound: 100n }, undefined, /^drand_stalled: /],
    ['round-past', { lastStoredRound: 5000n }, undefined, /^reveal_round_past: /],
  ];
  for (const [name, reading, mode, expected] of cases) {
    const chain = crChain(commitRevealReading(reading));
    const { report, ledger } = await round(name, chain, mode ? { mode } : {});
    assert.equal(report.outcome, 'refused', name);
    assert.match(`${report.refusal}: ${report.reason}`, expected, name);
    assert.equal(chain.commitRevealSubmissions.length + chain.submissions.length, 0, `${name}: something was sent`);
    assert.deepEqual(ledger.entries(), [], name);
  }
});

test('--dry-run prints the planned round, the commit size and the exact call, and neither sends nor records', async () => {
  const chain = crChain();
  const { report, config } = await round('dry-run', chain, { dryRun: true });
  assert.equal(report.outcome, 'dry_run', JSON.stringify(report));
  const planned = report.would_commit!;
  assert.equal(planned.mode, 'timelocked');
  assert.equal(planned.reveal_round, '1000');
  assert.deepEqual(planned.reveal_window, { first_block: 19, last_block: 29 });
  assert.ok(planned.commit_bytes! > 244);
  assert.deepEqual(planned.call, { section: 'subtensorModule', method: 'commitTimelockedWeights', hex: `0x${Buffer.from('commit_timelocked').toString('hex')}` });
  assert.equal(chain.commitRevealSubmissions.length, 0);
  assert.throws(() => statSync(`${config.stateDir}/ledger.json`), /ENOENT/);
});

test('one commit per reveal window: a newer vector waits for the next epoch, then commits', async () => {
  const chain = crChain(commitRevealReading({ capabilities: { timelocked: false, hash: true } }));
  const first = await round('one-per-window', chain, { epoch: 1 });
  assert.equal(first.report.outcome, 'committed');
  const second = await round('one-per-window', chain, { epoch: 2 });
  assert.equal(second.report.outcome, 'waiting_next_epoch', JSON.stringify(second.report));
  assert.match(second.report.reason!, new RegExp(`digest ${first.vector.digest} is already committed for the reveal window 19\\.\\.29`));
  assert.equal(chain.commitRevealSubmissions.length, 1);

  // Next epoch: block 19 is the first of epoch 2, so a commit there is revealed in 30..40.
  chain.commitReveal = commitRevealReading({ capabilities: { timelocked: false, hash: true }, block: { number: 19, hash: `0x${'13'.repeat(32)}` } });
  chain.outcome = { status: 'included', extrinsicHash: '0x02', blockHash: `0x${'14'.repeat(32)}`, blockNumber: 20 };
  const third: { report: RoundReport } = await round('one-per-window', chain, { epoch: 2 });
  assert.equal(third.report.outcome, 'committed', JSON.stringify(third.report));
  assert.deepEqual(third.report.commit?.reveal_window, { first_block: 30, last_block: 40 });
});
