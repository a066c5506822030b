/**
 * An attacker with write access to the master's store changes one digit of one stored document; `base weights
 * verify` catches each change and names the field. Each case tampers its own epoch and verifies only that epoch.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { auditBed, base, EPOCH, type AuditBed } from './support.ts';

let bed: AuditBed;
before(async () => {
  bed = await auditBed();
  await bed.seal(EPOCH, EPOCH + 1, EPOCH + 2, EPOCH + 3, EPOCH + 4, EPOCH + 5);
});
after(() => bed.close());

async function verdictOf(epoch: number) {
  const summary = await bed.verify({ from: epoch, to: epoch });
  assert.equal(summary.reports.length, 1);
  return { summary, report: summary.reports[0]! };
}

/** Replaces the one character at the end of a number (1 → 2, 0 → 1, …): one byte of the stored JSON. */
const bumpLastDigit = (value: number) => Number(String(value).replace(/\d$/, (d) => String((Number(d) + 1) % 10)));

test('an untouched epoch verifies (the baseline of every case below)', async () => {
  const { summary, report } = await verdictOf(EPOCH);
  assert.equal(report.status, 'verified', JSON.stringify(report));
  assert.equal(summary.ok, true);
});

test('one digit of a stored raw answer is caught at that challenge\'s weights, against the signed snapshot_digest', async () => {
  const hotkey = bed.subnet.hotkeys[2]!;
  bed.tamper('epoch_inputs', EPOCH + 1, (inputs) => {
    inputs.challenge_results[0].weights[hotkey] = bumpLastDigit(inputs.challenge_results[0].weights[hotkey]);
  });
  const { summary, report } = await verdictOf(EPOCH + 1);
  assert.equal(report.status, 'mismatch');
  assert.equal(report.field, 'inputs.challenge_results[0].weights (alpha)');
  assert.match(report.detail!, /the raw answer hashes to [0-9a-f]{64}; the vector's snapshot_digest is [0-9a-f]{64}/);
  assert.equal(summary.ok, false);
});

test('a changed emission share is caught at that challenge\'s emission_percent', async () => {
  bed.tamper('epoch_inputs', EPOCH + 2, (inputs) => {
    inputs.challenge_results[1].emission_percent = bumpLastDigit(inputs.challenge_results[1].emission_percent); // 30 → 31
  });
  const { report } = await verdictOf(EPOCH + 2);
  assert.equal(report.status, 'mismatch');
  assert.equal(report.field, 'source_challenges[1].emission_percent (beta)');
  assert.equal(report.detail, 'the vector says 30, the inputs give 31');
});

test('a changed uid in the published metagraph is caught at hotkey_to_uid, against the signed digest', async () => {
  const hotkey = bed.subnet.hotkeys[0]!;
  bed.tamper('epoch_inputs', EPOCH + 3, (inputs) => {
    inputs.hotkey_to_uid[hotkey] = bumpLastDigit(inputs.hotkey_to_uid[hotkey]);
  });
  const { report } = await verdictOf(EPOCH + 3);
  assert.equal(report.status, 'mismatch');
  assert.equal(report.field, 'inputs.hotkey_to_uid');
  assert.match(report.detail!, /metagraph\.hotkey_to_uid_digest/);
});

test('one digit of a sealed vector is caught by its digest, and the CLI exits 1 naming it', async () => {
  bed.tamper('sealed_vectors', EPOCH + 4, (vector) => {
    vector.weights_u16.weights[1] = bumpLastDigit(vector.weights_u16.weights[1]);
  });
  const { report } = await verdictOf(EPOCH + 4);
  assert.equal(report.status, 'mismatch');
  assert.equal(report.field, 'digest');

  const run = await base('weights', 'verify', '--master', bed.master.url, '--public-key', u8aToHex(bed.subnet.keypair.publicKey), '--from', String(EPOCH + 4), '--to', String(EPOCH + 4));
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, new RegExp(`^epoch ${EPOCH + 4} [0-9a-f]{12}: mismatch in digest: `, 'm'));
  assert.equal(JSON.parse(run.stdout.trim().split('\n').at(-1)!).mismatched, 1);
});

test('a vector the master signed although its inputs give other weights is caught at the first differing weight', async () => {
  await bed.reseal('sealed_vectors', EPOCH + 5, (vector) => {
    vector.weights[2] = vector.weights[2] + 1e-9;
  });
  const { report } = await verdictOf(EPOCH + 5);
  assert.equal(report.status, 'mismatch');
  assert.equal(report.field, 'weights[2]');
});
