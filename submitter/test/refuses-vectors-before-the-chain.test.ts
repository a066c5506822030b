// Every vector that must never reach the chain is refused by verification alone: the chain is not even read,
// and the ledger stays empty (a refused digest can still be served correctly later).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { Ledger } from '../ledger.ts';
import { runRound } from '../round.ts';
import type { RoundReport } from '../round.ts';
import { intruderKey, RecordingChain, sealedVector, tempDir, testConfig } from './helpers.ts';

const work = tempDir('refusals');
after(() => work.remove());
const miners = { validator: 0, hkA: 1, hkB: 2, hkC: 3 };
const NOW = new Date('2026-11-22T03:00:00Z');

async function roundWith(body: unknown, chain = new RecordingChain()): Promise<{ report: RoundReport; chain: RecordingChain; ledger: Ledger }> {
  const config = testConfig(work.dir, { netuid: 2, freshness_seconds: 300, state_dir: path.join(work.dir, `state-${Math.random()}`) });
  const ledger = Ledger.open(config.stateDir);
  const report = await runRound({
    config,
    hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
    ledger,
    chain,
    now: () => NOW,
    fetchVector: async () => ({ body: JSON.parse(JSON.stringify(body)) as unknown, attempts: 1 }),
  });
  return { report, chain, ledger };
}

function assertRefusedBeforeChain(result: { report: RoundReport; chain: RecordingChain; ledger: Ledger }, refusal: string, message: RegExp) {
  assert.equal(result.report.outcome, 'refused', JSON.stringify(result.report));
  assert.equal(result.report.refusal, refusal);
  assert.match(result.report.reason ?? '', message);
  assert.equal(result.chain.touched, false, 'the chain was consulted');
  assert.deepEqual(result.ledger.entries(), []);
}

test('a fresh, correctly sealed vector for our netuid passes verification and reaches the chain', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: new Date(NOW.getTime() - 60_000) });
  const { report, chain } = await roundWith(vector);
  assert.equal(report.outcome, 'submitted');
  assert.deepEqual(chain.submissions, [{ netuid: 2, uids: vector.weights_u16.uids, weights: vector.weights_u16.weights, versionKey: 0n }]);
});

test('a stale vector (older than the freshness window, not yet expired) is refused', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: new Date(NOW.getTime() - 301_000), expiresAfterSeconds: 3600 });
  assertRefusedBeforeChain(await roundWith(vector), 'stale', /computed at .*, 301 s ago; the freshness window is 300 s/);
});

test('an expired vector is refused', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: new Date(NOW.getTime() - 120_000), expiresAfterSeconds: 100 });
  assertRefusedBeforeChain(await roundWith(vector), 'expired', /expired at 2026-11-22T02:59:40\.000Z/);
});

test('a vector from the future beyond the clock-skew allowance is refused', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: new Date(NOW.getTime() + 120_000) });
  assertRefusedBeforeChain(await roundWith(vector), 'from_the_future', /120 s in the future/);
});

test('a vector for another netuid is refused', async () => {
  const vector = await sealedVector({ netuid: 3, hotkeyToUid: miners, computedAt: NOW });
  assertRefusedBeforeChain(await roundWith(vector), 'netuid', /for netuid 3; this submitter is configured for netuid 2/);
});

test('a vector signed by another key is refused', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: NOW, signer: intruderKey });
  assertRefusedBeforeChain(await roundWith(vector), 'seal', /signed by 0x[0-9a-f]{64}, expected 0x[0-9a-f]{64}/);
});

test('a forged signature under the master key is refused', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: NOW });
  const forged = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: NOW, signer: intruderKey });
  assertRefusedBeforeChain(await roundWith({ ...vector, signature: forged.signature }), 'seal', /signature does not verify/);
});

test('tampered content or a tampered digest is refused', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: NOW });
  const moreForB = { ...vector, weights_u16: { uids: vector.weights_u16.uids, weights: vector.weights_u16.weights.map((w, i) => (i === 0 ? w : 65535)) } };
  assertRefusedBeforeChain(await roundWith(moreForB), 'seal', /digest mismatch/);
  const otherDigest = { ...vector, digest: vector.digest.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
  assertRefusedBeforeChain(await roundWith(otherDigest), 'seal', /digest mismatch/);
});

test('a body that is not a weights vector is refused by the schema', async () => {
  const vector = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: NOW });
  const { weights_u16: _dropped, ...withoutU16 } = vector;
  assertRefusedBeforeChain(await roundWith(withoutU16), 'schema', /must have required property 'weights_u16'/);
  assertRefusedBeforeChain(await roundWith({ detail: 'not ready' }), 'schema', /does not match schemas\/weights-vector\.schema\.json/);
});
