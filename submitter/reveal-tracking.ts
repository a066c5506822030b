// Follows every open commit in the ledger to its end: `revealed` (the chain applied the weights, in block N) or
// `dropped` (the reveal window passed without that). Timelocked commits are revealed by the chain itself, so this
// only watches the window's events; hash commits are revealed here, with `reveal_weights` in the window. Runs at
// the start of every round, so a restart resumes where the ledger says it stopped.
import type { SubmitOutcome } from '../reconciler/chain/extrinsic.ts';
import type { ObservedBlock } from '../reconciler/chain/events.ts';
import { hashRevealStep } from './commit-reveal/reveal-plan.ts';
import { judgeTimelockedReveal } from './commit-reveal/reveal-outcome.ts';
import type { SubmitterConfig } from './config.ts';
import type { CommitRecord, Ledger, LedgerEntry } from './ledger.ts';
import type { ChainAccess, RevealOutcome, RevealReport } from './report.ts';

/** Blocks read per commit per round, to bound the work after a long stop (the rest is read next round). */
export const MAX_BLOCKS_PER_ROUND = 200;

export interface TrackDeps {
  config: SubmitterConfig;
  hotkey: string;
  ledger: Ledger;
  chain: ChainAccess;
  now?: () => Date;
  /** Read only: nothing is sent and the ledger is not written. */
  dryRun?: boolean;
}

/** One report per open commit. Never throws for the chain's sake: a read failure is reported and tried next round. */
export async function trackCommits(deps: TrackDeps): Promise<RevealReport[]> {
  const open = deps.ledger.openCommits(deps.config.netuid, deps.hotkey);
  if (open.length === 0) return [];
  const reports: RevealReport[] = [];
  for (const entry of open) reports.push(await trackOne(entry, deps));
  return reports;
}

async function trackOne(entry: LedgerEntry, deps: TrackDeps): Promise<RevealReport> {
  const now = deps.now ?? (() => new Date());
  const { chain, ledger, config } = deps;
  const commit = entry.commit!;
  const key = { digest: entry.digest, netuid: entry.netuid, hotkey: entry.hotkey };
  const report = (outcome: RevealOutcome, extra: Partial<RevealReport> = {}): RevealReport => ({
    event: 'reveal',
    at: now().toISOString(),
    hotkey: entry.hotkey,
    netuid: entry.netuid,
    outcome,
    digest: entry.digest,
    epoch: entry.epoch,
    mode: commit.mode,
    commit_hash: commit.commit_hash,
    commit_block: commit.commit_block,
    reveal_window: commit.reveal_window,
    ...(commit.reveal_round === undefined ? {} : { reveal_round: commit.reveal_round }),
    ...extra,
  });
  const update = (change: (c: CommitRecord, e: LedgerEntry) => void) => {
    if (!deps.dryRun) ledger.updateCommit(key, change, now());
  };
  const settle = (outcome: 'revealed' | 'dropped', extra: { block?: { number: number; hash: string }; reason?: string; error?: string }, head: number) => {
    update((c) => {
      c.reveal.state = outcome;
      c.reveal.block_number = extra.block?.number ?? null;
      c.reveal.block_hash = extra.block?.hash ?? null;
      c.reveal.reason = extra.reason ?? extra.error ?? null;
    });
    return report(outcome, { head, ...extra });
  };

  let head: { number: number; hash: string };
  try {
    head = await chain.head();
  } catch (error) {
    return report('waiting_reveal', { reason: `cannot read the chain: ${(error as Error).message}` });
  }
  try {
    if (entry.state !== 'included') {
      // The commit was sent but its inclusion never confirmed (a crash, a timeout): is it on chain?
      const landed =
        commit.mode === 'hash'
          ? ((await chain.hashCommits(entry.netuid, entry.hotkey)).find((c) => c.hash === commit.commit_hash) ?? null)
          : (await chain.timelockedCommitQueued(commit.netuid_index, entry.hotkey, commit.commit_hash, head.hash))
            ? { commitBlock: null }
            : null;
      if (!landed) {
        if (head.number > commit.reveal_window.last_block) {
          return settle('dropped', { reason: 'the commit was never seen on chain: its sending did not land' }, head.number);
        }
        return report('waiting_reveal', { head: head.number, reason: 'the commit was sent but is not seen on chain (yet)' });
      }
      if (!deps.dryRun) {
        ledger.finishSubmission(key, { state: 'included' }, now(), config.rejectionBackoff);
        if (landed.commitBlock !== null) update((c) => void (c.commit_block = landed.commitBlock));
      }
    }
    return commit.mode === 'timelocked'
      ? await trackTimelocked(entry, commit, head, { chain, report, update, settle })
      : await trackHash(entry, commit, head, { chain, report, update, settle, dryRun: deps.dryRun ?? false, blockTimeMs: config.chain.blockTimeMs });
  } catch (error) {
    return report('waiting_reveal', { head: head.number, reason: `cannot follow the commit this round: ${(error as Error).message}` });
  }
}

interface Steps {
  chain: ChainAccess;
  report: (outcome: RevealOutcome, extra?: Partial<RevealReport>) => RevealReport;
  update: (change: (c: CommitRecord, e: LedgerEntry) => void) => void;
  settle: (outcome: 'revealed' | 'dropped', extra: { block?: { number: number; hash: string }; reason?: string; error?: string }, head: number) => RevealReport;
}

async function trackTimelocked(entry: LedgerEntry, commit: CommitRecord, head: { number: number; hash: string }, steps: Steps): Promise<RevealReport> {
  const { first_block: firstBlock, last_block: lastBlock } = commit.reveal_window;
  const scanned = commit.reveal.scanned_through ?? firstBlock - 1;
  const from = Math.max(scanned + 1, firstBlock);
  const to = Math.min(head.number, lastBlock, from + MAX_BLOCKS_PER_ROUND - 1);
  const blocks = from <= to ? await steps.chain.readBlocks(from, to) : [];
  const lastRead = blocks.at(-1);
  const queued = lastRead ? await steps.chain.timelockedCommitQueued(commit.netuid_index, entry.hotkey, commit.commit_hash, lastRead.hash) : null;
  const verdict = judgeTimelockedReveal({ netuidIndex: commit.netuid_index, hotkey: entry.hotkey, window: { firstBlock, lastBlock } }, blocks, scanned, queued);
  switch (verdict.status) {
    case 'revealed':
      return steps.settle(
        'revealed',
        { block: verdict.block, ...(verdict.weightsSet ? {} : { reason: 'TimelockedWeightsRevealed without WeightsSet in the same block' }) },
        head.number,
      );
    case 'dropped':
      return steps.settle('dropped', { reason: verdict.reason }, head.number);
    case 'pending':
      if (verdict.scannedThrough !== scanned) steps.update((c) => void (c.reveal.scanned_through = verdict.scannedThrough));
      return steps.report('waiting_reveal', { head: head.number, reason: verdict.reason });
  }
}

async function trackHash(
  entry: LedgerEntry,
  commit: CommitRecord,
  head: { number: number; hash: string },
  steps: Steps & { dryRun: boolean; blockTimeMs: number },
): Promise<RevealReport> {
  const onChain = (await steps.chain.hashCommits(entry.netuid, entry.hotkey)).find((c) => c.hash === commit.commit_hash);
  if (commit.reveal.state === 'sending' && !onChain) {
    // A reveal was sent and the commit is gone: find our WeightsRevealed after the block it was sent at.
    const from = (commit.reveal.scanned_through ?? commit.reveal_window.first_block - 1) + 1;
    const to = Math.min(head.number, from + MAX_BLOCKS_PER_ROUND - 1);
    const blocks = from <= to ? await steps.chain.readBlocks(from, to) : [];
    const revealedIn = blocks.find((block) => block.events.some((e) => isOurHashReveal(e, entry)));
    if (revealedIn) return steps.settle('revealed', { block: { number: revealedIn.number, hash: revealedIn.hash } }, head.number);
    if (to < head.number) {
      steps.update((c) => void (c.reveal.scanned_through = to));
      return steps.report('waiting_reveal', { head: head.number, reason: `a reveal was sent; looking for it, seen through block ${to}` });
    }
    return steps.settle('dropped', { reason: 'the commit left the chain and no reveal of ours was found' }, head.number);
  }
  if (!onChain) return steps.settle('dropped', { reason: 'the commit is no longer on chain (expired, or removed by a later reveal)' }, head.number);

  const step = hashRevealStep({ firstBlock: commit.reveal_window.first_block, lastBlock: commit.reveal_window.last_block }, head.number);
  if (step.step === 'wait') {
    return steps.report('waiting_reveal', {
      head: head.number,
      reason: `the reveal window opens at block ${commit.reveal_window.first_block}, in ${step.blocks} block(s)`,
      next_round_in_ms: Math.max(1_000, step.blocks * steps.blockTimeMs),
    });
  }
  if (step.step === 'expired') {
    return steps.settle('dropped', { reason: `the reveal window ${commit.reveal_window.first_block}..${commit.reveal_window.last_block} passed without a reveal` }, head.number);
  }
  if (steps.dryRun) return steps.report('would_reveal', { head: head.number, reason: 'the reveal window is open; reveal_weights would be sent now' });

  steps.update((c) => {
    c.reveal.state = 'sending';
    c.reveal.scanned_through = head.number;
  });
  let outcome: SubmitOutcome;
  try {
    outcome = await steps.chain.submitCommitReveal({
      kind: 'reveal_hash',
      netuid: entry.netuid,
      uids: commit.uids,
      values: commit.values,
      salt: commit.salt ?? [],
      versionKey: BigInt(commit.version_key),
    });
  } catch (error) {
    return steps.report('waiting_reveal', { head: head.number, reason: `reveal_weights sent, outcome unknown (${(error as Error).message}); checked next round` });
  }
  const retry = (error: string, reason: string) => {
    steps.update((c) => {
      c.reveal.state = 'pending';
      c.reveal.reason = error;
    });
    return steps.report('reveal_refused', { head: head.number, error, reason });
  };
  switch (outcome.status) {
    case 'included':
      return steps.settle('revealed', { block: { number: outcome.blockNumber, hash: outcome.blockHash } }, head.number);
    case 'failed':
      if (RETRYABLE_REVEAL_ERRORS.has(outcome.error.error ?? '')) {
        return retry(outcome.error.name, `the runtime refused reveal_weights (${outcome.error.name}); tried again next round while the window is open`);
      }
      return steps.settle('dropped', { error: outcome.error.name, reason: `the runtime refused reveal_weights: ${outcome.error.name}` }, head.number);
    case 'rejected_by_pool':
      return retry(outcome.name, `the node refused reveal_weights before its pool (${outcome.name}); tried again next round`);
    case 'dropped':
      return retry(`pool.${outcome.reason}`, `the pool dropped reveal_weights (${outcome.reason}); tried again next round`);
    case 'timeout':
      return steps.report('waiting_reveal', { head: head.number, reason: `reveal_weights not seen in a block within ${outcome.timeoutMs} ms; checked next round` });
  }
}

/** Refusals that can pass while the window is still open. */
const RETRYABLE_REVEAL_ERRORS = new Set(['RevealTooEarly', 'SettingWeightsTooFast']);

function isOurHashReveal(event: ObservedBlock['events'][number], entry: LedgerEntry): boolean {
  return event.section === 'subtensorModule' && event.method === 'WeightsRevealed' && event.data[0] === entry.hotkey && Number(event.data[1]) === entry.netuid;
}
