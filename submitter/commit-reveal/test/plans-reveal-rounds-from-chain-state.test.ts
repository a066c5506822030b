// The reveal-round planner: reveal windows around epoch boundaries (legacy and dynamic schedules, an owner's pending
// epoch trigger, reveal periods 1-3, tempos 10 and 360), the drand round aimed into the window with the three
// guarantees (not below the chain's newest pulse, published well before the window closes, after the commit lands),
// and a named refusal whenever the numbers cannot be trusted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundAt, roundPublishedAtMs } from '../quicknet.ts';
import { hashRevealStep, nextEpochStart, planTimelockedCommit, PULSE_INGEST_BLOCKS, revealWindow } from '../reveal-plan.ts';
import type { EpochSchedule, TimelockPlanInput } from '../reveal-plan.ts';

const legacy = (tempo: number, netuid = 2): EpochSchedule => ({ kind: 'legacy', tempo, netuid });
const dynamic = (tempo: number, next: number, stateBlock: number, epochIndex = 7): EpochSchedule => ({
  kind: 'dynamic',
  tempo,
  nextEpochStart: next,
  stateBlock,
  epochIndex,
  source: 'storage',
});

test('legacy schedule: the window is the epoch after the commit epoch, floor((block + netuid + 1) / (tempo + 1))', () => {
  // tempo 10, netuid 2: the index steps up at blocks 8, 19, 30, 41, ...
  const rows: Array<[commitBlock: number, rp: number, first: number, last: number, commitEpoch: number]> = [
    [11, 1, 19, 29, 1],
    [18, 1, 19, 29, 1], // the last block of an epoch: the window opens in the very next block
    [19, 1, 30, 40, 2], // the first block of an epoch belongs to it
    [20, 1, 30, 40, 2],
    [11, 2, 30, 40, 1],
    [11, 3, 41, 51, 1],
  ];
  for (const [commitBlock, rp, first, last, commitEpoch] of rows) {
    const w = revealWindow(legacy(10), rp, commitBlock);
    assert.deepEqual([w.firstBlock, w.lastBlock, w.commitEpoch, w.revealEpoch], [first, last, commitEpoch, commitEpoch + rp], `commit at ${commitBlock}, RP ${rp}`);
  }
  // tempo 360, netuid 2: boundaries at 358, 719, 1080, ...
  for (const [commitBlock, rp, first, last] of [
    [100, 1, 358, 718],
    [357, 1, 358, 718],
    [358, 1, 719, 1079],
    [358, 3, 1441, 1801],
  ] as const) {
    const w = revealWindow(legacy(360), rp, commitBlock);
    assert.deepEqual([w.firstBlock, w.lastBlock], [first, last], `tempo 360, commit at ${commitBlock}, RP ${rp}`);
  }
});

test('dynamic schedule: before the next fire block, at it, and after it; reveal periods 1 to 3; tempo 10 and 360', () => {
  // Read at block 100: the next epoch fires at 105, SubnetEpochIndex is 7.
  const s = dynamic(10, 105, 100);
  const at = (commitBlock: number, rp: number) => {
    const w = revealWindow(s, rp, commitBlock);
    return [w.firstBlock, w.lastBlock, w.commitEpoch, w.revealEpoch];
  };
  assert.deepEqual(at(101, 1), [105, 114, 7, 8]);
  assert.deepEqual(at(104, 1), [105, 114, 7, 8]); // one block before the fire
  assert.deepEqual(at(105, 1), [115, 124, 8, 9]); // lands in the fire block: the index was already bumped
  assert.deepEqual(at(106, 1), [115, 124, 8, 9]);
  assert.deepEqual(at(101, 2), [115, 124, 7, 9]);
  assert.deepEqual(at(101, 3), [125, 134, 7, 10]);
  assert.deepEqual(at(116, 1), [125, 134, 9, 10]); // two fires after the read

  const slow = revealWindow(dynamic(360, 1000, 700), 1, 701);
  assert.deepEqual([slow.firstBlock, slow.lastBlock], [1000, 1359]);
  const late = revealWindow(dynamic(360, 1000, 999), 2, 1000);
  assert.deepEqual([late.firstBlock, late.lastBlock], [1720, 2079]);
  // An overdue epoch (the chain deferred it) fires at the earliest in the next block.
  assert.equal(revealWindow(dynamic(10, 95, 100), 1, 102).firstBlock, 111);
});

test("an owner's pending epoch trigger moves the next fire block earlier, never later", () => {
  assert.equal(nextEpochStart({ tempo: 10, lastEpochBlock: 100, pendingEpochAt: 0 }), 110);
  assert.equal(nextEpochStart({ tempo: 10, lastEpochBlock: 100, pendingEpochAt: 103 }), 103);
  assert.equal(nextEpochStart({ tempo: 10, lastEpochBlock: 100, pendingEpochAt: 150 }), 110);
  assert.equal(nextEpochStart({ tempo: 0, lastEpochBlock: 100, pendingEpochAt: 0 }), null);
  const triggered = revealWindow(dynamic(10, nextEpochStart({ tempo: 10, lastEpochBlock: 100, pendingEpochAt: 103 })!, 101), 1, 102);
  assert.deepEqual([triggered.firstBlock, triggered.lastBlock], [103, 112]);
});

test('tempo 0 and a reveal period below 1 are refused by the window computation', () => {
  assert.throws(() => revealWindow(legacy(0), 1, 10), /tempo is 0/);
  assert.throws(() => revealWindow(legacy(10), 0, 10), /RevealPeriodEpochs 0/);
});

// A realistic moment: 12-second blocks, the head's timestamp one second ago, the chain's drand one round behind.
const HEAD_TS = Date.UTC(2026, 11, 1, 12, 0, 0);
function input(overrides: Partial<TimelockPlanInput> = {}): TimelockPlanInput {
  return {
    head: { number: 100, timestampMs: HEAD_TS },
    nowMs: HEAD_TS + 1_000,
    schedule: dynamic(10, 105, 100),
    revealPeriodEpochs: 1,
    lastStoredRound: roundAt(HEAD_TS) - 1n,
    blockTimeMs: 12_000,
    ...overrides,
  };
}

test('the round is aimed 3 blocks into the window and meets the three guarantees, for tempos 10 and 360 and RP 1-3', () => {
  for (const [tempo, rp] of [
    [10, 1],
    [10, 2],
    [10, 3],
    [360, 1],
    [360, 3],
  ] as const) {
    const plan = planTimelockedCommit(input({ schedule: dynamic(tempo, 105, 100), revealPeriodEpochs: rp }));
    assert.ok(plan.ok, plan.ok ? '' : plan.reason);
    const timeOf = (block: number) => HEAD_TS + (block - 100) * 12_000;
    assert.equal(plan.window.firstBlock, 105 + (rp - 1) * tempo);
    assert.equal(plan.targetBlock, plan.window.firstBlock + 3);
    assert.equal(plan.revealRound, roundAt(timeOf(plan.targetBlock)));
    const published = roundPublishedAtMs(plan.revealRound);
    assert.ok(plan.revealRound >= input().lastStoredRound, '(a) not below the newest pulse on chain');
    assert.ok(published <= timeOf(plan.window.lastBlock - PULSE_INGEST_BLOCKS), '(b) published with time to spare before the window closes');
    assert.ok(published > timeOf(101), '(c) published after the commit lands');
    assert.equal(plan.revealRoundPublishedAt, new Date(published).toISOString());
  }
  // Legacy schedule, tempo 360: commit at 101, window 358..718.
  const old = planTimelockedCommit(input({ schedule: legacy(360) }));
  assert.ok(old.ok);
  assert.deepEqual([old.window.firstBlock, old.window.lastBlock, old.targetBlock], [358, 718, 361]);
});

test('numbers that cannot be trusted are refused with their own name', () => {
  const refusal = (overrides: Partial<TimelockPlanInput>) => {
    const plan = planTimelockedCommit(input(overrides));
    assert.equal(plan.ok, false, plan.ok ? `planned round ${plan.revealRound}` : '');
    return plan.ok ? '' : `${plan.refusal}: ${plan.reason}`;
  };
  assert.match(refusal({ schedule: dynamic(0, 105, 100) }), /^tempo_zero: /);
  assert.match(refusal({ revealPeriodEpochs: 0 }), /^reveal_period_out_of_range: /);
  assert.match(refusal({ revealPeriodEpochs: 101 }), /^reveal_period_out_of_range: /);
  assert.match(refusal({ nowMs: HEAD_TS + 10 * 60_000 }), /^chain_time_stale: the head block 100 is 600 s old/);
  assert.match(refusal({ schedule: dynamic(2, 105, 100) }), /^reveal_window_too_short: the reveal window is 2 block/);
  // The chain's drand is ten minutes behind: the pulse may not be there before the window closes.
  assert.match(refusal({ lastStoredRound: roundAt(HEAD_TS - 600_000) }), /^drand_stalled: /);
  assert.match(refusal({ lastStoredRound: 0n }), /^drand_stalled: /);
  // The chain already has pulses past our round (its clock is ahead of the head's timestamp): the pool would refuse.
  assert.match(refusal({ lastStoredRound: roundAt(HEAD_TS) + 1_000n }), /^reveal_round_past: .*InvalidRevealRound/);
  // Half-second blocks and a window opening at once: the round would be out before the commit lands.
  const aligned = roundPublishedAtMs(roundAt(HEAD_TS));
  assert.match(
    refusal({ head: { number: 100, timestampMs: aligned }, nowMs: aligned, schedule: dynamic(10, 102, 100), blockTimeMs: 500, lastStoredRound: roundAt(aligned) }),
    /^reveal_round_not_in_future: /,
  );
});

test('a hash commit waits before its window, reveals in it, and has expired after it', () => {
  const window = { firstBlock: 19, lastBlock: 29 };
  assert.deepEqual(hashRevealStep(window, 10), { step: 'wait', blocks: 8 });
  assert.deepEqual(hashRevealStep(window, 18), { step: 'reveal' }); // lands in 19
  assert.deepEqual(hashRevealStep(window, 28), { step: 'reveal' });
  assert.deepEqual(hashRevealStep(window, 29), { step: 'expired' });
});
