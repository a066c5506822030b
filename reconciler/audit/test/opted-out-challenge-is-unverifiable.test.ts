/**
 * A challenge with publish_raw_scores: false: its raw answer is not published, the vector and the inputs mark its
 * part, and verify reports the epoch as unverifiable naming it — never verified, never silently skipped. What can
 * be checked still is (the other challenge's answers).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditBed, EPOCH, type AuditBed } from './support.ts';

let bed: AuditBed;
before(async () => {
  bed = await auditBed({ publishBeta: false });
  await bed.seal(EPOCH, EPOCH + 1);
});
after(() => bed.close());

test('the opted-out challenge is marked in the vector and the inputs, and verify names it as unverifiable', async () => {
  const inputs = await (await fetch(`${bed.master.url}/v1/weights/${EPOCH}/inputs`)).json() as any;
  const beta = inputs.challenge_results.find((c: any) => c.slug === 'beta');
  assert.equal(beta.raw_scores_published, false);
  assert.equal('weights' in beta, false, 'the raw answer is not published');
  assert.ok(beta.snapshot_digest, 'its snapshot digest still is');
  const vector = (await bed.store.vectorAt<any>(EPOCH))!.document;
  assert.equal(vector.source_challenges.find((s: any) => s.slug === 'beta').raw_scores_published, false);

  const summary = await bed.verify();
  assert.deepEqual(summary.reports.map((r) => [r.epoch, r.status, r.chain?.status]), [
    [EPOCH, 'unverifiable', 'start'],
    [EPOCH + 1, 'unverifiable', 'linked'],
  ]);
  assert.deepEqual(summary.reports[0]!.unverifiable, ['source_challenges[beta]: raw scores not published (publish_raw_scores: false)']);
  assert.equal(summary.verified, 0);
  assert.equal(summary.unverifiable, 2);
  assert.equal(summary.ok, true, 'nothing verifiable failed');
});

test('with one challenge opted out, a changed raw answer of another is still caught', async () => {
  const hotkey = bed.subnet.hotkeys[1]!;
  bed.tamper('epoch_inputs', EPOCH + 1, (inputs) => {
    inputs.challenge_results[0].weights[hotkey] += 1;
  });
  const summary = await bed.verify({ from: EPOCH + 1 });
  assert.equal(summary.reports[0]!.status, 'mismatch');
  assert.equal(summary.reports[0]!.field, 'inputs.challenge_results[0].weights (alpha)');
  assert.equal(summary.ok, false);
});
