// `revealed` and `dropped` from event sequences: each block's System.Events is SCALE-encoded with the spec-381
// runtime's metadata exactly as that runtime stores it, decoded back through the same observeEvents the submitter
// uses on a live chain, and judged. Success shows only as Initialization-phase TimelockedWeightsRevealed + WeightsSet
// for our hotkey and netuid; every failure is silent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observeEvents } from '../../../reconciler/chain/events.ts';
import type { ObservedBlock } from '../../../reconciler/chain/events.ts';
import { judgeTimelockedReveal } from '../reveal-outcome.ts';
import { eventRecord, systemEvents } from './runtime-381.ts';

const OURS = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const OTHER = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const commit = { netuidIndex: 2, hotkey: OURS, window: { firstBlock: 20, lastBlock: 29 } };

const extrinsicSuccess = (index: number) =>
  eventRecord('system', 'ExtrinsicSuccess', [{ weight: { refTime: 1, proofSize: 1 }, class: 'Normal', paysFee: 'Yes' }], index);
const revealedBy = (who: string, netuid = 2) => [
  eventRecord('subtensorModule', 'WeightsSet', [netuid, 1], 'initialization'),
  eventRecord('subtensorModule', 'TimelockedWeightsRevealed', [netuid, who], 'initialization'),
];
function block(number: number, records: Uint8Array[] = []): ObservedBlock {
  return { number, hash: `0x${number.toString(16).padStart(64, '0')}`, events: observeEvents(systemEvents([...records, extrinsicSuccess(0)])) };
}
const quiet = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => block(from + i));

test('revealed: the first block of the window whose initialization holds our TimelockedWeightsRevealed', () => {
  const blocks = [
    ...quiet(20, 21),
    block(22, revealedBy(OTHER)), // another validator
    block(23, revealedBy(OURS, 3)), // us, on another subnet
    // An extrinsic-phase event with the same name is not a reveal by the chain.
    block(24, [
      eventRecord('subtensorModule', 'TimelockedWeightsCommitted', [OURS, 2, `0x${'11'.repeat(32)}`, 1000], 1),
      eventRecord('subtensorModule', 'TimelockedWeightsRevealed', [2, OURS], 1),
    ]),
    block(25, revealedBy(OURS)),
  ];
  assert.deepEqual(judgeTimelockedReveal(commit, blocks, 19, true), {
    status: 'revealed',
    block: { number: 25, hash: blocks.at(-1)!.hash },
    weightsSet: true,
  });
});

test('dropped: the whole window passed without it (the commit is gone from the queue)', () => {
  const verdict = judgeTimelockedReveal(commit, [...quiet(20, 29), block(30, revealedBy(OURS))], 19, false);
  assert.equal(verdict.status, 'dropped');
  assert.match(verdict.status === 'dropped' ? verdict.reason : '', /no TimelockedWeightsRevealed for this hotkey in blocks 20\.\.29/);
});

test('dropped early: the commit left the queue inside the window and no block seen so far revealed it', () => {
  assert.equal(judgeTimelockedReveal(commit, quiet(20, 22), 19, false).status, 'dropped');
  // Still queued: the chain retries every block of the window while the pulse is missing.
  assert.deepEqual(judgeTimelockedReveal(commit, quiet(20, 22), 19, true), { status: 'pending', scannedThrough: 22, reason: 'watching blocks 20..29; seen through 22' });
});

test('pending: before the window, and with a gap in the blocks only what was seen without holes counts', () => {
  assert.equal(judgeTimelockedReveal(commit, quiet(15, 19), 14, true).status, 'pending');
  const gap = judgeTimelockedReveal(commit, [block(20), block(22, revealedBy(OURS))], 19, null);
  assert.deepEqual(gap, { status: 'pending', scannedThrough: 20, reason: 'watching blocks 20..29; seen through 20' });
  // Blocks read in an earlier round are not judged again.
  assert.equal(judgeTimelockedReveal(commit, [block(21, revealedBy(OURS)), block(22)], 21, true).status, 'pending');
  // A window passed while the commit is still queued is not called dropped (RevealPeriodEpochs raised meanwhile).
  assert.equal(judgeTimelockedReveal(commit, quiet(20, 29), 19, true).status, 'pending');
});
