/**
 * Whether a timelocked commit was revealed, from what the chain emitted. The chain decrypts in `on_initialize` of the
 * reveal epoch's blocks; success shows only as `TimelockedWeightsRevealed(netuid_index, hotkey)` (with `WeightsSet`)
 * among that block's Initialization events. Every failure is silent: the commit leaves the queue without an event.
 * Pure: the blocks and the queue state are read by the caller.
 */

import type { ObservedBlock } from '../../reconciler/chain/events.ts';

export interface TrackedTimelockedCommit {
  /** NetUidStorageIndex: netuid for mechanism 0. */
  netuidIndex: number;
  /** SS58 of the committing hotkey. */
  hotkey: string;
  window: { firstBlock: number; lastBlock: number };
}

export type RevealVerdict =
  | { status: 'revealed'; block: { number: number; hash: string }; weightsSet: boolean }
  | { status: 'dropped'; reason: string }
  /** Not decided yet; blocks up to `scannedThrough` need not be read again. */
  | { status: 'pending'; scannedThrough: number; reason: string };

/**
 * @param blocks consecutive blocks following `scannedThrough` (blocks outside the window are ignored)
 * @param scannedThrough the last block already read in an earlier call (window start - 1 at first)
 * @param stillQueued whether the commit is still in TimelockedWeightCommits at the last block of `blocks`
 *   (null: not read, or no block was read)
 */
export function judgeTimelockedReveal(
  commit: TrackedTimelockedCommit,
  blocks: readonly ObservedBlock[],
  scannedThrough: number,
  stillQueued: boolean | null,
): RevealVerdict {
  const { firstBlock, lastBlock } = commit.window;
  let seen = Math.max(scannedThrough, firstBlock - 1);
  for (const block of [...blocks].sort((a, b) => a.number - b.number)) {
    if (block.number <= seen) continue;
    if (block.number > lastBlock) break;
    if (block.number !== seen + 1) break; // a gap: decide only on what was seen without holes
    seen = block.number;
    const initialization = block.events.filter((e) => e.phase === 'initialization' && e.section === 'subtensorModule');
    const revealed = initialization.find(
      (e) => e.method === 'TimelockedWeightsRevealed' && Number(e.data[0]) === commit.netuidIndex && e.data[1] === commit.hotkey,
    );
    if (revealed) {
      const weightsSet = initialization.some((e) => e.method === 'WeightsSet' && Number(e.data[0]) === commit.netuidIndex);
      return { status: 'revealed', block: { number: block.number, hash: block.hash }, weightsSet };
    }
  }
  if (seen >= lastBlock) {
    if (stillQueued === true) {
      return { status: 'pending', scannedThrough: seen, reason: 'the reveal window passed but the commit is still queued (was RevealPeriodEpochs raised?)' };
    }
    return {
      status: 'dropped',
      reason:
        `no TimelockedWeightsRevealed for this hotkey in blocks ${firstBlock}..${lastBlock}: the chain discarded the commit ` +
        '(pulse missing or late, undecryptable, or the weights failed the set_weights checks at reveal)',
    };
  }
  if (stillQueued === false && seen >= firstBlock) {
    return {
      status: 'dropped',
      reason: `the commit left the queue by block ${seen} without a TimelockedWeightsRevealed event: the chain could not decrypt or apply it`,
    };
  }
  const reason = seen < firstBlock ? `the reveal window opens at block ${firstBlock}` : `watching blocks ${firstBlock}..${lastBlock}; seen through ${seen}`;
  return { status: 'pending', scannedThrough: seen, reason };
}
