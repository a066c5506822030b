/**
 * The chain lives in the store, not in the master's memory: after a restart (store closed and opened again, a new
 * loop and master) the next sealed vector links to the last one sealed before it, across an explicit gap.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditBed, EPOCH, type AuditBed } from './support.ts';

let bed: AuditBed;
before(async () => {
  bed = await auditBed();
});
after(() => bed.close());

test('a vector sealed after a master restart links to the last one sealed before it', async () => {
  await bed.seal(EPOCH, EPOCH + 1);
  const before = (await bed.store.vectorAt(EPOCH + 1))!.digest;
  await bed.restart();
  await bed.seal(EPOCH + 3); // EPOCH + 2 passed while the master was down
  const after = (await bed.store.vectorAt<any>(EPOCH + 3))!.document;
  assert.equal(after.previous_epoch, EPOCH + 1);
  assert.equal(after.previous_digest, before);

  const summary = await bed.verify();
  assert.equal(summary.ok, true, JSON.stringify(summary.reports, null, 2));
  assert.deepEqual(summary.reports.map((r) => [r.epoch, r.status, r.chain?.status]), [
    [EPOCH, 'verified', 'start'],
    [EPOCH + 1, 'verified', 'linked'],
    [EPOCH + 3, 'verified', 'linked'],
  ]);
  assert.deepEqual(summary.gaps, [{ from: EPOCH + 2, to: EPOCH + 2 }]);
});
