/**
 * The master (it holds the key) rewrites an earlier epoch consistently: other raw answers, the vector recomputed
 * and sealed again. That epoch alone verifies; the next epoch's previous_digest no longer matches, so the chain is
 * broken there and verify fails.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { auditBed, base, EPOCH, type AuditBed } from './support.ts';

let bed: AuditBed;
before(async () => {
  bed = await auditBed();
  await bed.seal(EPOCH, EPOCH + 1, EPOCH + 2);
});
after(() => bed.close());

test('a rewritten, re-signed earlier epoch breaks the link of the epoch after it', async () => {
  const original = (await bed.store.vectorAt(EPOCH + 1))!.digest;
  const favoured = bed.subnet.hotkeys[5]!;
  await bed.reseal('epoch_inputs', EPOCH + 1, (inputs) => {
    inputs.challenge_results[0].weights[favoured] = 1_000;
  });
  const rewritten = (await bed.store.vectorAt(EPOCH + 1))!.digest;
  assert.notEqual(rewritten, original);

  const summary = await bed.verify();
  assert.deepEqual(summary.reports.map((r) => [r.epoch, r.status, r.chain?.status]), [
    [EPOCH, 'verified', 'start'],
    [EPOCH + 1, 'verified', 'linked'],
    [EPOCH + 2, 'verified', 'broken'],
  ]);
  assert.equal(
    summary.reports[2]!.chain!.detail,
    `previous_digest is ${original}, but epoch ${EPOCH + 1} is now served with digest ${rewritten} (rewritten)`,
  );
  assert.equal(summary.chain_broken, 1);
  assert.equal(summary.ok, false);

  const run = await base('weights', 'verify', '--master', bed.master.url, '--public-key', u8aToHex(bed.subnet.keypair.publicKey));
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, new RegExp(`^epoch ${EPOCH + 2} [0-9a-f]{12}: verified — chain broken: previous_digest is ${original}`, 'm'));
});
