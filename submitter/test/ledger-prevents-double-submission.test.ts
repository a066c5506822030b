// The ledger: written ahead of sending, so neither a restart nor a crash between send and record can lead to a
// second submission of the same digest; rejections back off exponentially.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { acquireStateLock, Ledger, LedgerError } from '../ledger.ts';
import { runRound } from '../round.ts';
import { RecordingChain, sealedVector, tempDir, testConfig } from './helpers.ts';

const work = tempDir('ledger');
after(() => work.remove());
const HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const backoff = { initialMs: 60_000, maxMs: 200_000 };

test('a digest begun before a crash counts as submitted after reopening: the next round does not send it', async () => {
  const config = testConfig(work.dir, { state_dir: 'crash' });
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: { v: 0, a: 1, b: 2 } });
  const first = Ledger.open(config.stateDir);
  first.beginSubmission({ digest: vector.digest, netuid: 2, epoch: vector.epoch, hotkey: HOTKEY }, new Date());
  // ... the process dies here, before the outcome is recorded.

  const reopened = Ledger.open(config.stateDir);
  assert.equal(reopened.find(vector.digest, 2, HOTKEY)?.state, 'sending');
  const chain = new RecordingChain();
  const report = await runRound({ config, hotkey: HOTKEY, ledger: reopened, chain, fetchVector: async () => ({ body: vector, attempts: 1 }) });
  assert.equal(report.outcome, 'already_submitted');
  assert.match(report.reason ?? '', /outcome not recorded: the process stopped while sending/);
  assert.equal(chain.submissions.length, 0);
  assert.equal(chain.reads.length, 0, 'not even the chain is read for a digest already sent');
});

test('the write-ahead record is on disk before the chain is asked to submit', async () => {
  const config = testConfig(work.dir, { state_dir: 'write-ahead' });
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: { v: 0, a: 1, b: 2 } });
  const ledger = Ledger.open(config.stateDir);
  const chain = new RecordingChain();
  let onDiskWhenSending: unknown;
  const submit = chain.submit.bind(chain);
  chain.submit = async (call) => {
    onDiskWhenSending = JSON.parse(readFileSync(ledger.file, 'utf8'));
    return submit(call);
  };
  const report = await runRound({ config, hotkey: HOTKEY, ledger, chain, fetchVector: async () => ({ body: vector, attempts: 1 }) });
  assert.equal(report.outcome, 'submitted');
  const entries = (onDiskWhenSending as { entries: Array<{ digest: string; state: string }> }).entries;
  assert.deepEqual(entries.map((e) => [e.digest, e.state]), [[vector.digest, 'sending']]);
  assert.equal(Ledger.open(config.stateDir).find(vector.digest, 2, HOTKEY)?.state, 'included');
  assert.equal(Ledger.open(config.stateDir).find(vector.digest, 2, HOTKEY)?.block_number, 42);
});

test('beginning the same digest twice is refused by the ledger itself', () => {
  const ledger = Ledger.open(path.join(work.dir, 'twice'));
  const entry = { digest: 'd'.repeat(64), netuid: 2, epoch: 1, hotkey: HOTKEY };
  ledger.beginSubmission(entry, new Date());
  assert.throws(() => ledger.beginSubmission(entry, new Date()), LedgerError);
});

test('rejections back off exponentially up to the cap; an inclusion resets the backoff', () => {
  const ledger = Ledger.open(path.join(work.dir, 'backoff'));
  const t0 = new Date('2026-11-22T00:00:00Z');
  const reject = (i: number) => {
    const key = { digest: String(i).repeat(64).slice(0, 64), netuid: 2, hotkey: HOTKEY };
    ledger.beginSubmission({ ...key, epoch: i }, t0);
    ledger.finishSubmission(key, { state: 'failed', error: 'subtensorModule.SettingWeightsTooFast' }, t0, backoff);
    return ledger.backoffUntil(t0)?.getTime() ?? 0;
  };
  assert.equal(reject(1) - t0.getTime(), 60_000);
  assert.equal(reject(2) - t0.getTime(), 120_000);
  assert.equal(reject(3) - t0.getTime(), 200_000);
  assert.equal(ledger.backoffUntil(new Date(t0.getTime() + 200_000)), null, 'over once the time has passed');
  const key = { digest: 'e'.repeat(64), netuid: 2, hotkey: HOTKEY };
  ledger.beginSubmission({ ...key, epoch: 9 }, t0);
  ledger.finishSubmission(key, { state: 'included', blockNumber: 7, blockHash: '0x00' }, t0, backoff);
  assert.equal(ledger.backoffUntil(t0), null);
  assert.equal(ledger.consecutiveRejections(), 0);
});

test('a round inside the rejection backoff sends nothing and says until when', async () => {
  const config = testConfig(work.dir, { state_dir: 'backing-off' });
  const ledger = Ledger.open(config.stateDir);
  const key = { digest: 'f'.repeat(64), netuid: 2, hotkey: HOTKEY };
  ledger.beginSubmission({ ...key, epoch: 1 }, new Date());
  ledger.finishSubmission(key, { state: 'rejected_by_pool', error: '1010: Invalid Transaction: Custom error: 1' }, new Date(), backoff);
  const chain = new RecordingChain();
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: { v: 0, a: 1 } });
  const report = await runRound({ config, hotkey: HOTKEY, ledger, chain, fetchVector: async () => ({ body: vector, attempts: 1 }) });
  assert.equal(report.outcome, 'backing_off');
  assert.ok(report.backoff_until);
  assert.equal(chain.touched, false);
});

test('a ledger that is not JSON stops the submitter instead of forgetting what was sent', () => {
  const dir = path.join(work.dir, 'corrupt');
  Ledger.open(dir);
  const file = path.join(dir, 'ledger.json');
  writeFileSync(file, '{ half a');
  assert.throws(() => Ledger.open(dir), /ledger\.json: not JSON; refusing to start without knowing what was already submitted/);
});

test('one submitter per state folder', () => {
  const dir = path.join(work.dir, 'locked');
  const release = acquireStateLock(dir);
  // Our own pid holds it: a second acquisition from another process would see a live holder.
  writeFileSync(path.join(dir, 'submitter.lock'), `${process.ppid}\n`);
  assert.throws(() => acquireStateLock(dir), /another submitter \(pid \d+\) is using state_dir/);
  writeFileSync(path.join(dir, 'submitter.lock'), '999999999\n');
  const again = acquireStateLock(dir); // the holder is gone: taken over
  again();
  release();
});
