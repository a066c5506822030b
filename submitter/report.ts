// What the submitter logs (one JSON object per line, never key material or a salt) and the chain it talks to.
import type { CommitRevealCall, CommitRevealReading, OpenHashCommit } from '../reconciler/chain/commit-reveal.ts';
import type { ObservedBlock } from '../reconciler/chain/events.ts';
import type { SetWeightsCall, SubmitOutcome, WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import type { TimelockRefusal } from './commit-reveal/reveal-plan.ts';
import type { VectorRefusal } from './verify-vector.ts';

/** The chain as the submitter needs it; the real one wraps `@polkadot/api`, tests may count calls. */
export interface ChainAccess {
  readState(netuid: number, hotkey: string): Promise<WeightSettingState>;
  submit(call: SetWeightsCall): Promise<SubmitOutcome>;
  /** Commit-reveal: the numbers a commit is planned from, at `blockHash`. */
  readCommitReveal(netuid: number, blockHash: string): Promise<CommitRevealReading>;
  /** The encoded call, unsigned (for --dry-run). */
  encodeCall(call: CommitRevealCall): Promise<string>;
  submitCommitReveal(call: CommitRevealCall): Promise<SubmitOutcome>;
  head(): Promise<{ number: number; hash: string }>;
  readBlocks(from: number, to: number): Promise<ObservedBlock[]>;
  hashCommits(netuid: number, hotkey: string): Promise<OpenHashCommit[]>;
  timelockedCommitQueued(netuidIndex: number, hotkey: string, commitHash: string, blockHash: string): Promise<boolean>;
}

export type ChainRefusal =
  | 'subnet_missing'
  | 'hotkey_not_registered'
  | 'version_key_too_low'
  | 'uid_not_on_subnet'
  | 'duplicate_uids'
  | 'no_validator_permit'
  | 'too_few_weights'
  | 'weight_above_limit'
  /** Commit-reveal is on and the runtime lacks the calls of the configured mode. */
  | 'commit_reveal_unsupported'
  | 'commit_reveal_version_unknown'
  | 'commit_too_large'
  | TimelockRefusal;

export type RoundOutcome =
  /** set_weights is in a block and the runtime accepted it. */
  | 'submitted'
  /** Commit-reveal: the commit is in a block; the reveal is tracked in `reveal` lines. */
  | 'committed'
  /** Nothing to do: this digest was already sent by this hotkey (also before a restart). */
  | 'already_submitted'
  /** Commit-reveal: a commit of ours already waits for this reveal window; the newest vector goes in the next epoch. */
  | 'waiting_next_epoch'
  /** --dry-run: everything checked, nothing signed or sent. */
  | 'dry_run'
  /** The chain's rate limit has not passed yet: nothing sent, the next round comes when it has. */
  | 'waiting_rate_limit'
  /** A recent rejection: no submission until the backoff ends. */
  | 'backing_off'
  /** The master could not be reached (after retries). */
  | 'fetch_failed'
  /** The vector or the chain state forbids a submission; nothing was sent. */
  | 'refused'
  /** Included with System.ExtrinsicFailed. */
  | 'rejected_by_runtime'
  /** The node refused it before its pool (`1010 …`). */
  | 'rejected_by_pool'
  /** Accepted by the pool, then dropped or invalidated. */
  | 'dropped'
  /** Sent, but inclusion could not be confirmed (timeout, connection lost): it will not be sent again. */
  | 'inclusion_unknown'
  /** The chain could not be read. */
  | 'chain_unavailable';

/** A commit as reported: how it was made and when it should be revealed. */
export interface CommitSummary {
  mode: 'timelocked' | 'hash';
  commit_hash: string;
  commit_block: number | null;
  commit_epoch: number | null;
  reveal_window: { first_block: number; last_block: number };
  reveal_round?: string;
  reveal_round_published_at?: string;
  commit_bytes?: number;
}

/** One round as logged: one JSON line, no key material. */
export interface RoundReport {
  event: 'round';
  at: string;
  hotkey: string;
  netuid: number;
  outcome: RoundOutcome;
  digest: string | null;
  epoch: number | null;
  /** Why, for anything but a plain success. */
  reason?: string;
  refusal?: VectorRefusal | ChainRefusal;
  /** The runtime's error name (e.g. `subtensorModule.IncorrectWeightVersionKey`, `pool.StakeAmountTooLow`). */
  error?: string;
  block?: { number: number; hash: string };
  /** Chain block the pre-checks read. */
  checked_at_block?: number;
  uid?: number;
  blocks_until_allowed?: number;
  backoff_until?: string;
  fetch_attempts?: number;
  /** --dry-run: the exact call that would be signed. */
  would_submit?: { netuid: number; uids: number[]; weights: number[]; version_key: string };
  /** --dry-run on a commit-reveal subnet: the planned commit and the encoded call (unsigned). */
  would_commit?: CommitSummary & { call: { section: string; method: string; hex: string } };
  /** Commit-reveal: the commit made (or found) this round. */
  commit?: CommitSummary;
  /** verify: recompute: the epoch was recomputed from its published inputs (with any part that could not be). */
  recompute?: { status: 'verified' | 'unverifiable'; unverifiable: string[] };
  /** Milliseconds until the next round should run, when sooner or later than the cadence matters. */
  next_round_in_ms?: number;
}

export type RevealOutcome =
  /** The chain applied the committed weights in block `block`. */
  | 'revealed'
  /** The reveal window passed (or the commit left the chain) without the weights being applied. */
  | 'dropped'
  /** Not yet: the reveal window is ahead, or being watched. */
  | 'waiting_reveal'
  /** A reveal_weights was refused but the window is still open: it is tried again. */
  | 'reveal_refused'
  /** --dry-run: the reveal that would be sent now. */
  | 'would_reveal';

/** What became of an earlier commit, one line per open commit per round. */
export interface RevealReport {
  event: 'reveal';
  at: string;
  hotkey: string;
  netuid: number;
  outcome: RevealOutcome;
  digest: string;
  epoch: number;
  mode: 'timelocked' | 'hash';
  commit_hash: string;
  commit_block: number | null;
  reveal_window: { first_block: number; last_block: number };
  reveal_round?: string;
  head?: number;
  block?: { number: number; hash: string };
  reason?: string;
  error?: string;
  next_round_in_ms?: number;
}
