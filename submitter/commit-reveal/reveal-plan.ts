/**
 * When a commit can be revealed, and which drand round a timelocked commit must be encrypted to — from chain state
 * only. Pure: the caller reads the numbers (reconciler/chain/commit-reveal.ts), this decides.
 *
 * The chain's rule (subtensor `subnets/weights.rs`, `coinbase/reveal_commits.rs`): a commit included at block c
 * belongs to the epoch index current at c; it is revealed while the index equals that epoch + RevealPeriodEpochs
 * (RP). The index moves one up in the block where an epoch fires (before the block's extrinsics, and before the
 * chain's own timelock reveal in `on_initialize`). So with F the first fire block after c and P the epoch period,
 * the reveal window is [F + (RP-1)·P, F + RP·P - 1].
 *
 * Two schedules exist:
 * - dynamic (spec >= 423): epochs fire every `Tempo` blocks from `LastEpochBlock`, or earlier at an owner's
 *   `PendingEpochAt`; the next fire block is the runtime API `get_next_epoch_start_block` (= that rule on storage).
 * - legacy (older runtimes, including the localnet's spec 218): index = floor((block + netuid + 1) / (Tempo + 1)),
 *   so the period is Tempo + 1. This is the old runtime's own rule, not an estimate.
 * A future owner trigger (PendingEpochAt set after we planned) moves a dynamic window earlier; nobody can foresee it.
 */
import { roundAt, roundPublishedAtMs } from './quicknet.ts';

export type EpochSchedule =
  | {
      kind: 'dynamic';
      tempo: number;
      /** The next fire block as the chain reported it at `stateBlock`. */
      nextEpochStart: number;
      /** Block whose state `nextEpochStart` was read at. */
      stateBlock: number;
      /** SubnetEpochIndex at `stateBlock`, when known (to name the commit epoch). */
      epochIndex?: number;
      source: 'runtime_api' | 'storage';
    }
  | { kind: 'legacy'; tempo: number; netuid: number };

/**
 * The next fire block from storage, as `get_next_epoch_start_block` computes it (subtensor `run_coinbase.rs`):
 * LastEpochBlock + Tempo, or an owner's earlier PendingEpochAt (0 = none). Null when tempo is 0.
 */
export function nextEpochStart(state: { tempo: number; lastEpochBlock: number; pendingEpochAt: number }): number | null {
  if (!(state.tempo > 0)) return null;
  const auto = state.lastEpochBlock + state.tempo;
  return state.pendingEpochAt > 0 ? Math.min(auto, state.pendingEpochAt) : auto;
}

export interface RevealWindow {
  /** The block the commit is (or is expected to be) included in. */
  commitBlock: number;
  /** The chain's epoch index for the commit, when it can be known. */
  commitEpoch: number | null;
  revealEpoch: number | null;
  firstBlock: number;
  lastBlock: number;
}

/** The reveal window of a commit included at `commitBlock`; throws RangeError when tempo or RP make no sense. */
export function revealWindow(schedule: EpochSchedule, revealPeriodEpochs: number, commitBlock: number): RevealWindow {
  if (!(schedule.tempo > 0)) throw new RangeError('tempo is 0: this subnet runs no epochs, so nothing is ever revealed');
  if (!Number.isInteger(revealPeriodEpochs) || revealPeriodEpochs < 1) throw new RangeError(`RevealPeriodEpochs ${revealPeriodEpochs}: expected >= 1`);
  if (schedule.kind === 'legacy') {
    const period = schedule.tempo + 1;
    const offset = schedule.netuid + 1;
    const commitEpoch = Math.floor((commitBlock + offset) / period);
    const revealEpoch = commitEpoch + revealPeriodEpochs;
    const firstBlock = revealEpoch * period - offset;
    return { commitBlock, commitEpoch, revealEpoch, firstBlock, lastBlock: firstBlock + period - 1 };
  }
  const period = schedule.tempo;
  if (commitBlock <= schedule.stateBlock) throw new RangeError(`commit block ${commitBlock} is not after the state block ${schedule.stateBlock}`);
  // An overdue epoch (deferred by the chain) fires at the earliest in the next block.
  const next = Math.max(schedule.nextEpochStart, schedule.stateBlock + 1);
  const firesUpToCommit = commitBlock < next ? 0 : Math.floor((commitBlock - next) / period) + 1;
  const firstFireAfter = next + firesUpToCommit * period;
  const commitEpoch = schedule.epochIndex === undefined ? null : schedule.epochIndex + firesUpToCommit;
  const firstBlock = firstFireAfter + (revealPeriodEpochs - 1) * period;
  return {
    commitBlock,
    commitEpoch,
    revealEpoch: commitEpoch === null ? null : commitEpoch + revealPeriodEpochs,
    firstBlock,
    lastBlock: firstBlock + period - 1,
  };
}

export interface TimelockPlanInput {
  /** The head the state was read at, with its on-chain timestamp (Timestamp.Now). */
  head: { number: number; timestampMs: number };
  /** The local clock, to notice a node that stopped following the chain. */
  nowMs: number;
  schedule: EpochSchedule;
  revealPeriodEpochs: number;
  /** Drand.LastStoredRound: the newest pulse on chain. */
  lastStoredRound: bigint;
  blockTimeMs: number;
}

export type TimelockRefusal =
  | 'tempo_zero'
  | 'reveal_period_out_of_range'
  | 'chain_time_stale'
  | 'reveal_window_too_short'
  | 'drand_stalled'
  | 'reveal_round_past'
  | 'reveal_round_not_in_future';

export type TimelockPlan =
  | {
      ok: true;
      window: RevealWindow;
      /** The block whose expected time the round is aimed at (a few blocks into the window). */
      targetBlock: number;
      revealRound: bigint;
      revealRoundPublishedAt: string;
      /** Expected wall time of the window's first and last block. */
      windowOpensAt: string;
      windowClosesAt: string;
    }
  | { ok: false; refusal: TimelockRefusal; reason: string };

/** Blocks into the reveal window the round is aimed at, as the Python SDK does (SECURITY_BLOCK_OFFSET). */
export const TARGET_OFFSET_BLOCKS = 3;
/** Blocks the chain may need to store a published pulse (an unsigned extrinsic from the drand offchain worker). */
export const PULSE_INGEST_BLOCKS = 2;
/** A head older than this many block times means the node is not following the chain. */
const STALE_HEAD_BLOCKS = 10;
/** The runtime's bound on RevealPeriodEpochs (subtensor `lib.rs`). */
const MAX_REVEAL_PERIOD = 100;

/**
 * The drand round for a timelocked commit sent now (expected in block head + 1): published a few blocks into the
 * reveal window, comfortably before it closes, after the commit lands, and not below the chain's newest pulse.
 * Refuses, with the reason, whenever one of those cannot be assured from the numbers.
 */
export function planTimelockedCommit(input: TimelockPlanInput): TimelockPlan {
  const { head, schedule, blockTimeMs } = input;
  const refuse = (refusal: TimelockRefusal, reason: string): TimelockPlan => ({ ok: false, refusal, reason });
  if (!(schedule.tempo > 0)) return refuse('tempo_zero', 'Tempo is 0 on this subnet: no epoch runs, so a commit would never be revealed');
  if (!Number.isInteger(input.revealPeriodEpochs) || input.revealPeriodEpochs < 1 || input.revealPeriodEpochs > MAX_REVEAL_PERIOD) {
    return refuse('reveal_period_out_of_range', `RevealPeriodEpochs is ${input.revealPeriodEpochs}; the runtime allows 1..${MAX_REVEAL_PERIOD}`);
  }
  const headAgeMs = input.nowMs - head.timestampMs;
  if (headAgeMs > STALE_HEAD_BLOCKS * blockTimeMs) {
    return refuse(
      'chain_time_stale',
      `the head block ${head.number} is ${Math.round(headAgeMs / 1000)} s old (more than ${STALE_HEAD_BLOCKS} blocks): the node is not following the chain, so block times cannot be predicted`,
    );
  }

  const window = revealWindow(schedule, input.revealPeriodEpochs, head.number + 1);
  const windowLength = window.lastBlock - window.firstBlock + 1;
  const offset = Math.min(TARGET_OFFSET_BLOCKS, window.lastBlock - PULSE_INGEST_BLOCKS - window.firstBlock);
  if (offset < 1) {
    return refuse('reveal_window_too_short', `the reveal window is ${windowLength} block(s): too short to land a pulse in it with a margin`);
  }
  const timeOf = (block: number) => head.timestampMs + (block - head.number) * blockTimeMs;
  const targetBlock = window.firstBlock + offset;
  const revealRound = roundAt(timeOf(targetBlock));
  const publishedAt = roundPublishedAtMs(revealRound);

  // The chain has to store the pulse before the window closes; a drand pallet that lags by more than the margin
  // would not have it in time.
  const lagMs = head.timestampMs - roundPublishedAtMs(input.lastStoredRound > 0n ? input.lastStoredRound : 1n);
  const marginMs = (window.lastBlock - PULSE_INGEST_BLOCKS - targetBlock) * blockTimeMs;
  if (input.lastStoredRound === 0n || lagMs > marginMs) {
    return refuse(
      'drand_stalled',
      `the chain's newest drand pulse is round ${input.lastStoredRound}, ${Math.round(lagMs / 1000)} s behind the head block; ` +
        `round ${revealRound} might not be on chain before the reveal window closes (margin ${Math.round(marginMs / 1000)} s)`,
    );
  }
  if (revealRound < input.lastStoredRound) {
    return refuse('reveal_round_past', `round ${revealRound} is below the chain's newest pulse ${input.lastStoredRound}; the pool would refuse it (InvalidRevealRound)`);
  }
  if (publishedAt <= timeOf(head.number + 1)) {
    return refuse('reveal_round_not_in_future', `round ${revealRound} is published before the commit would land: anyone could read the weights early`);
  }
  return {
    ok: true,
    window,
    targetBlock,
    revealRound,
    revealRoundPublishedAt: new Date(publishedAt).toISOString(),
    windowOpensAt: new Date(timeOf(window.firstBlock)).toISOString(),
    windowClosesAt: new Date(timeOf(window.lastBlock)).toISOString(),
  };
}

/** For a hash commit: what to do at `head` (the reveal would land in head + 1). */
export function hashRevealStep(window: Pick<RevealWindow, 'firstBlock' | 'lastBlock'>, head: number): { step: 'wait'; blocks: number } | { step: 'reveal' } | { step: 'expired' } {
  const landing = head + 1;
  if (landing < window.firstBlock) return { step: 'wait', blocks: window.firstBlock - landing };
  if (landing <= window.lastBlock) return { step: 'reveal' };
  return { step: 'expired' };
}
