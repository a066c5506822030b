// A round on a commit-reveal subnet: plan the commit from chain state, make it (timelocked or hash), record it in the
// ledger before it is signed, and report when it should be revealed. The reveal is followed by reveal-tracking.ts.
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto';
import type { CommitRevealCall, CommitRevealCapabilities, CommitRevealReading } from '../reconciler/chain/commit-reveal.ts';
import type { SubmitOutcome } from '../reconciler/chain/extrinsic.ts';
import type { WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import type { SealedVector } from '../reconciler/weights/index.ts';
import { encodeWeightsTlockPayload, hashCommit, newSalt } from './commit-reveal/payload.ts';
import { nextEpochStart, planTimelockedCommit, revealWindow } from './commit-reveal/reveal-plan.ts';
import type { EpochSchedule, RevealWindow } from './commit-reveal/reveal-plan.ts';
import { encryptCommit } from './commit-reveal/timelock.ts';
import type { CommitMode, CommitRevealMode } from './config.ts';
import type { CommitRecord, Ledger } from './ledger.ts';
import type { ChainAccess, ChainRefusal, CommitSummary, RoundOutcome, RoundReport } from './report.ts';

/** The runtime's bound on a timelocked commit (MAX_CRV3_COMMIT_SIZE_BYTES). */
export const MAX_COMMIT_BYTES = 5000;

export function resolveMode(mode: CommitRevealMode, capabilities: CommitRevealCapabilities): { mode: CommitMode } | { refusal: ChainRefusal; reason: string } {
  if (mode === 'timelocked' || (mode === 'auto' && capabilities.timelocked)) {
    if (capabilities.timelocked) return { mode: 'timelocked' };
    return { refusal: 'commit_reveal_unsupported', reason: 'commit_reveal.mode is timelocked but this runtime has no commit_timelocked_weights (or no Drand pallet); use mode hash or auto' };
  }
  if (capabilities.hash) return { mode: 'hash' };
  return {
    refusal: 'commit_reveal_unsupported',
    reason: `commit-reveal is on, and this runtime has ${mode === 'hash' ? 'no commit_weights/reveal_weights' : 'neither commit_timelocked_weights nor commit_weights/reveal_weights'}; nothing can be submitted`,
  };
}

/** The epoch schedule of the runtime, from the state at `reading.block` (see reveal-plan.ts). */
export function scheduleFrom(reading: CommitRevealReading, netuid: number): EpochSchedule {
  const { epoch, tempo } = reading;
  const fromStorage =
    epoch.lastEpochBlock === null ? null : nextEpochStart({ tempo, lastEpochBlock: epoch.lastEpochBlock, pendingEpochAt: epoch.pendingEpochAt ?? 0 });
  const next = epoch.nextEpochStartFromRuntimeApi ?? fromStorage;
  if (next === null) return { kind: 'legacy', tempo, netuid };
  return {
    kind: 'dynamic',
    tempo,
    nextEpochStart: next,
    stateBlock: reading.block.number,
    ...(epoch.subnetEpochIndex === null ? {} : { epochIndex: epoch.subnetEpochIndex }),
    source: epoch.nextEpochStartFromRuntimeApi === null ? 'storage' : 'runtime_api',
  };
}

/**
 * The reveal window of a commit that landed in block `reading.block`, from that block's post-state: its epoch index
 * already counts an epoch fired in that block, and its next fire block lies after it.
 */
export function windowAtInclusion(reading: CommitRevealReading, netuid: number): RevealWindow {
  const schedule = scheduleFrom(reading, netuid);
  const commitBlock = reading.block.number;
  return revealWindow(schedule.kind === 'dynamic' ? { ...schedule, stateBlock: commitBlock - 1 } : schedule, reading.revealPeriodEpochs, commitBlock);
}

export function summarize(record: CommitRecord, extra: Partial<CommitSummary> = {}): CommitSummary {
  return {
    mode: record.mode,
    commit_hash: record.commit_hash,
    commit_block: record.commit_block,
    commit_epoch: record.commit_epoch,
    reveal_window: record.reveal_window,
    ...(record.reveal_round === undefined ? {} : { reveal_round: record.reveal_round }),
    ...extra,
  };
}

export interface CommitContext {
  chain: ChainAccess;
  ledger: Ledger;
  hotkey: string;
  netuid: number;
  mode: CommitRevealMode;
  blockTimeMs: number;
  vector: SealedVector;
  versionKey: bigint;
  state: WeightSettingState;
  dryRun: boolean;
  now: () => Date;
  report: (outcome: RoundOutcome, extra?: Partial<RoundReport>) => RoundReport;
  /** Records a finished send in the ledger and turns it into the round's report (shared with set_weights). */
  recordOutcome: (outcome: SubmitOutcome, what: string) => RoundReport;
  /** Records a send whose fate is unknown (the node could not be reached while sending). */
  sendFailed: (error: Error, what: string) => RoundReport;
}

/** Plans and makes one commit of `vector` (all pre-checks already passed). */
export async function commitVector(ctx: CommitContext): Promise<RoundReport> {
  const { chain, ledger, state, vector, netuid } = ctx;
  const ids = { digest: vector.digest, epoch: vector.epoch, uid: state.uid!, checked_at_block: state.block.number };
  const refuse = (refusal: ChainRefusal, reason: string) => ctx.report('refused', { ...ids, refusal, reason });

  let reading: CommitRevealReading;
  try {
    reading = await chain.readCommitReveal(netuid, state.block.hash);
  } catch (error) {
    return ctx.report('chain_unavailable', { ...ids, reason: `cannot read the commit-reveal state: ${(error as Error).message}` });
  }
  const resolved = resolveMode(ctx.mode, reading.capabilities);
  if ('refusal' in resolved) return refuse(resolved.refusal, resolved.reason);
  if (!(reading.tempo > 0)) return refuse('tempo_zero', 'Tempo is 0 on this subnet: no epoch runs, so a commit would never be revealed');

  const schedule = scheduleFrom(reading, netuid);
  let window: RevealWindow;
  try {
    window = revealWindow(schedule, reading.revealPeriodEpochs, reading.block.number + 1);
  } catch (error) {
    return refuse('reveal_period_out_of_range', (error as Error).message);
  }
  // One commit per reveal window: the chain cannot tell two reveals of one hotkey in one window apart.
  const waiting = ledger.openCommits(netuid, ctx.hotkey).find((e) => e.commit!.reveal_window.first_block === window.firstBlock);
  if (waiting) {
    return ctx.report('waiting_next_epoch', {
      ...ids,
      reason: `digest ${waiting.digest} is already committed for the reveal window ${window.firstBlock}..${window.lastBlock}; this vector goes in the next epoch`,
    });
  }

  const uids = [...vector.weights_u16.uids];
  const values = [...vector.weights_u16.weights];
  const publicKey = decodeAddress(ctx.hotkey);
  let call: CommitRevealCall;
  let record: CommitRecord;
  let extra: Partial<CommitSummary> = {};
  const base = {
    netuid_index: netuid,
    uids,
    values,
    version_key: ctx.versionKey.toString(),
    commit_block: null,
    reveal: { state: 'pending' as const, scanned_through: null, block_number: null, block_hash: null, reason: null, updated_at: null },
  };
  if (resolved.mode === 'timelocked') {
    const plan = planTimelockedCommit({
      head: { number: reading.block.number, timestampMs: reading.timestampMs },
      nowMs: ctx.now().getTime(),
      schedule,
      revealPeriodEpochs: reading.revealPeriodEpochs,
      lastStoredRound: reading.lastStoredRound ?? 0n,
      blockTimeMs: ctx.blockTimeMs,
    });
    if (!plan.ok) return refuse(plan.refusal, plan.reason);
    if (reading.commitRevealVersion === null) {
      return refuse('commit_reveal_version_unknown', 'the runtime has no CommitRevealWeightsVersion storage: the commit_reveal_version to send is unknown');
    }
    const commit = encryptCommit(encodeWeightsTlockPayload({ hotkey: publicKey, uids, values, versionKey: ctx.versionKey }), plan.revealRound);
    if (commit.length > MAX_COMMIT_BYTES) {
      return refuse('commit_too_large', `the encrypted commit is ${commit.length} bytes; the runtime takes at most ${MAX_COMMIT_BYTES} (${uids.length} weights)`);
    }
    call = { kind: 'commit_timelocked', netuid, commit, revealRound: plan.revealRound, commitRevealVersion: reading.commitRevealVersion };
    record = {
      ...base,
      mode: 'timelocked',
      commit_hash: blake2AsHex(commit, 256),
      reveal_round: plan.revealRound.toString(),
      commit_epoch: plan.window.commitEpoch,
      reveal_window: { first_block: plan.window.firstBlock, last_block: plan.window.lastBlock },
    };
    extra = { reveal_round_published_at: plan.revealRoundPublishedAt, commit_bytes: commit.length };
  } else {
    const salt = newSalt();
    const commitHash = hashCommit({ hotkey: publicKey, netuid, uids, values, salt, versionKey: ctx.versionKey });
    call = { kind: 'commit_hash', netuid, commitHash };
    record = {
      ...base,
      mode: 'hash',
      commit_hash: commitHash,
      salt,
      commit_epoch: window.commitEpoch,
      reveal_window: { first_block: window.firstBlock, last_block: window.lastBlock },
    };
  }

  if (ctx.dryRun) {
    const { section, method } = { section: 'subtensorModule', method: call.kind === 'commit_timelocked' ? 'commitTimelockedWeights' : 'commitWeights' };
    let hex: string;
    try {
      hex = await chain.encodeCall(call);
    } catch (error) {
      return ctx.report('chain_unavailable', { ...ids, reason: `cannot encode the call: ${(error as Error).message}` });
    }
    return ctx.report('dry_run', {
      ...ids,
      would_submit: { netuid, uids, weights: values, version_key: ctx.versionKey.toString() },
      would_commit: { ...summarize(record, extra), call: { section, method, hex } },
    });
  }

  const key = { digest: vector.digest, netuid, hotkey: ctx.hotkey };
  ledger.beginSubmission({ ...key, epoch: vector.epoch, commit: record }, ctx.now());
  let outcome: SubmitOutcome;
  try {
    outcome = await chain.submitCommitReveal(call);
  } catch (error) {
    return ctx.sendFailed(error as Error, describeCall(call));
  }
  if (outcome.status !== 'included') {
    // It never reached the chain's queue: nothing to reveal. (A timeout stays pending: tracking looks for it.)
    if (outcome.status !== 'timeout') {
      ledger.updateCommit(key, (c) => {
        c.reveal.state = 'dropped';
        c.reveal.reason = 'the commit was not accepted by the chain';
      }, ctx.now());
    }
    return ctx.recordOutcome(outcome, describeCall(call));
  }
  const report = ctx.recordOutcome(outcome, describeCall(call));
  // The window from the block it actually landed in (a later block may fall in the next epoch).
  try {
    const atInclusion = await chain.readCommitReveal(netuid, outcome.blockHash);
    const actual = windowAtInclusion(atInclusion, netuid);
    const onChain = record.mode === 'hash' ? (await chain.hashCommits(netuid, ctx.hotkey)).find((c) => c.hash === record.commit_hash) : undefined;
    ledger.updateCommit(key, (c) => {
      c.commit_block = outcome.blockNumber;
      c.commit_epoch = actual.commitEpoch;
      c.reveal_window =
        onChain?.firstRevealBlock != null && onChain.lastRevealBlock != null
          ? { first_block: onChain.firstRevealBlock, last_block: onChain.lastRevealBlock }
          : { first_block: actual.firstBlock, last_block: actual.lastBlock };
    }, ctx.now());
  } catch {
    ledger.updateCommit(key, (c) => {
      c.commit_block = outcome.blockNumber;
    }, ctx.now());
  }
  const summary = summarize(ledger.find(vector.digest, netuid, ctx.hotkey)!.commit!, extra);
  const committedEvent = outcome.events?.find((e) => e.section === 'subtensorModule' && (e.method === 'TimelockedWeightsCommitted' || e.method === 'WeightsCommitted'));
  const eventNote =
    record.mode === 'timelocked' && committedEvent && committedEvent.data[2] !== record.commit_hash
      ? `; the chain reported commit hash ${String(committedEvent.data[2])}, not ${record.commit_hash}`
      : '';
  return { ...report, outcome: 'committed', commit: summary, ...(eventNote ? { reason: `committed${eventNote}` } : {}) };
}

function describeCall(call: CommitRevealCall): string {
  return call.kind === 'commit_timelocked' ? 'commit_timelocked_weights' : call.kind === 'commit_hash' ? 'commit_weights' : 'reveal_weights';
}
