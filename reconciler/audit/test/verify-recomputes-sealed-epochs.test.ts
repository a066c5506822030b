import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { auditBed, base, EPOCH, type AuditBed } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let bed: AuditBed;
before(async () => {
  bed = await auditBed();
  await bed.seal(EPOCH, EPOCH + 1);
  bed.subnet.challenges[1]!.failWith = 503; // beta is carried from EPOCH + 1
  await bed.seal(EPOCH + 2);
  bed.subnet.challenges[1]!.failWith = null;
  await bed.seal(EPOCH + 5); // EPOCH + 3 and + 4 never sealed: an explicit gap
});
after(() => bed.close());

test('every sealed epoch is recomputed from its published inputs, the chain links, and the gap is named', async () => {
  const summary = await bed.verify();
  assert.equal(summary.ok, true, JSON.stringify(summary.reports, null, 2));
  assert.deepEqual(summary.reports.map((r) => [r.epoch, r.status, r.chain?.status]), [
    [EPOCH, 'verified', 'start'],
    [EPOCH + 1, 'verified', 'linked'],
    [EPOCH + 2, 'verified', 'linked'],
    [EPOCH + 5, 'verified', 'linked'],
  ]);
  assert.deepEqual(summary.gaps, [{ from: EPOCH + 3, to: EPOCH + 4 }]);
  const inputs = (await bed.store.epochInputsAt<any>(EPOCH + 2))!;
  assert.deepEqual(inputs.challenge_results.map((c: any) => [c.slug, c.outcome, c.carried_from_epoch]), [
    ['alpha', 'fresh', null],
    ['beta', 'carried', EPOCH + 1],
  ]);
  const vector = (await bed.store.vectorAt<any>(EPOCH + 5))!.document;
  assert.equal(vector.previous_epoch, EPOCH + 2);
  assert.equal(vector.previous_digest, (await bed.store.vectorAt(EPOCH + 2))!.digest);

  const limited = await bed.verify({ from: EPOCH + 2 });
  assert.deepEqual(limited.reports.map((r) => [r.epoch, r.chain?.status]), [[EPOCH + 2, 'beyond-range'], [EPOCH + 5, 'linked']]);
});

test('the published inputs are what base weights aggregate --input replays to the same vector', async () => {
  const response = await fetch(`${bed.master.url}/v1/weights/${EPOCH + 1}/inputs`);
  assert.equal(response.status, 200);
  const file = path.join(ROOT, 'node_modules', '.audit-inputs.json');
  const { writeFileSync, rmSync } = await import('node:fs');
  writeFileSync(file, await response.text());
  try {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'weights', 'aggregate', '--input', file, '--compact'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const replayed = JSON.parse(run.stdout);
    const vector = (await bed.store.vectorAt<any>(EPOCH + 1))!.document;
    assert.deepEqual(replayed.uids, vector.uids);
    assert.deepEqual(replayed.weights, vector.weights);
    assert.deepEqual(replayed.weights_u16, vector.weights_u16);
  } finally {
    rmSync(file, { force: true });
  }
  const missing = await fetch(`${bed.master.url}/v1/weights/${EPOCH + 3}/inputs`);
  assert.equal(missing.status, 404);
  assert.equal((await fetch(`${bed.master.url}/v1/weights/x/inputs`)).status, 400);
});

test('base weights verify prints one line per epoch and a JSON summary, and exits 0', async () => {
  const run = await base('weights', 'verify', '--master', bed.master.url, '--public-key', u8aToHex(bed.subnet.keypair.publicKey));
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0]!, new RegExp(`^epoch ${EPOCH} [0-9a-f]{12}: verified \\(start of the chain\\)$`));
  assert.ok(lines.includes(`epochs ${EPOCH + 3}..${EPOCH + 4}: never sealed (gap before epoch ${EPOCH + 5})`), run.stdout);
  const summary = JSON.parse(lines.at(-1)!);
  assert.equal(summary.ok, true);
  assert.equal(summary.verified, 4);
  assert.equal(summary.epochs, 4);
  const bad = await base('weights', 'verify', '--master', bed.master.url, '--from', 'soon');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--from: expected an epoch \(integer >= 0\), found "soon"/);
});
