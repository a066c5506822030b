import type { SetWeightsCall, SubmitOutcome, WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import { commitVector } from './commit-round.ts';
import type { SubmitterConfig } from './config.ts';
import { FetchVectorError } from './fetch-vector.ts';
import type { FetchedVector } from './fetch-vector.ts';
import type { Ledger, LedgerEntry } from './ledger.ts';
import { chainRefusal } from './prechecks.ts';
import type { ChainAccess, RoundOutcome, RoundReport } from './report.ts';
import { recomputeCheck, type RecomputeSummary } from './recompute.ts';
import { checkVector } from './verify-vector.ts';

export type { ChainAccess, ChainRefusal, RoundOutcome, RoundReport } from './report.ts';

export interface RoundDeps {
  config: SubmitterConfig;
  /** The hotkey's SS58 address (the pair itself stays with ChainAccess). */
  hotkey: string;
  ledger: Ledger;
  chain: ChainAccess;
  fetchVector: () => Promise<FetchedVector>;
  /** GET an epoch's published inputs; used when `config.verify` is `recompute`. */
  fetchInputs?: (epoch: number) => Promise<FetchedVector>;
  now?: () => Date;
  dryRun?: boolean;
}

/** Outcomes after which the process may exit 0 in --once mode. */
export const SUCCESSFUL_OUTCOMES: ReadonlySet<RoundOutcome> = new Set([
  'submitted',
  'committed',
  'already_submitted',
  'waiting_next_epoch',
  'dry_run',
  'waiting_rate_limit',
]);

/**
 * One round: fetch → verify → ledger → chain pre-checks → submit (set_weights, or a commit when the subnet has
 * commit-reveal on) → record. Every path returns a report; only a bug throws. Nothing reaches the chain unless the
 * vector is authentic, fresh, for our netuid, not sent before, and the chain state says the runtime would take it.
 */
export async function runRound(deps: RoundDeps): Promise<RoundReport> {
  const now = deps.now ?? (() => new Date());
  const { config, ledger } = deps;
  let recomputed: RecomputeSummary | null = null;
  const report = (outcome: RoundOutcome, extra: Partial<RoundReport> = {}): RoundReport => ({
    event: 'round',
    at: now().toISOString(),
    hotkey: deps.hotkey,
    netuid: config.netuid,
    outcome,
    digest: null,
    epoch: null,
    ...(recomputed ? { recompute: recomputed } : {}),
    ...extra,
  });

  const backoff = ledger.backoffUntil(now());
  if (backoff && !deps.dryRun) {
    return report('backing_off', {
      reason: `${ledger.consecutiveRejections()} consecutive rejection(s) by the chain; next submission after ${backoff.toISOString()}`,
      backoff_until: backoff.toISOString(),
      next_round_in_ms: Math.max(1_000, backoff.getTime() - now().getTime()),
    });
  }

  let fetched: FetchedVector;
  try {
    fetched = await deps.fetchVector();
  } catch (error) {
    if (!(error instanceof FetchVectorError)) throw error;
    return report('fetch_failed', { reason: error.message, fetch_attempts: error.attempts });
  }

  const check = checkVector(fetched.body, {
    netuid: config.netuid,
    masterPublicKey: config.masterPublicKey,
    freshnessMs: config.freshnessMs,
    clockSkewMs: config.clockSkewMs,
    now: now(),
  });
  if (!check.ok) {
    return report('refused', { refusal: check.refusal, reason: check.message, digest: check.digest, fetch_attempts: fetched.attempts });
  }
  const vector = check.vector;
  const ids = { digest: vector.digest, epoch: vector.epoch };

  const previous = ledger.find(vector.digest, config.netuid, deps.hotkey);
  if (previous) {
    return report('already_submitted', {
      ...ids,
      reason: `digest already ${describePrevious(previous)} at ${previous.started_at}`,
      ...(previous.block_number !== null && previous.block_hash !== null ? { block: { number: previous.block_number, hash: previous.block_hash } } : {}),
    });
  }

  if (config.verify === 'recompute') {
    if (!deps.fetchInputs) throw new Error('runRound: verify is recompute but no fetchInputs was given');
    let inputs: FetchedVector;
    try {
      inputs = await deps.fetchInputs(vector.epoch);
    } catch (error) {
      if (!(error instanceof FetchVectorError)) throw error;
      return report('fetch_failed', { ...ids, reason: `verify: recompute needs the epoch's published inputs: ${error.message}`, fetch_attempts: error.attempts });
    }
    const check = recomputeCheck(vector, inputs.body, config.masterPublicKey);
    if (!check.ok) return report('refused', { ...ids, refusal: 'recompute_mismatch', reason: check.message });
    recomputed = check.summary;
  }

  let state: WeightSettingState;
  try {
    state = await deps.chain.readState(config.netuid, deps.hotkey);
  } catch (error) {
    return report('chain_unavailable', { ...ids, reason: `cannot read the chain: ${(error as Error).message}` });
  }
  const call: SetWeightsCall = {
    netuid: config.netuid,
    uids: vector.weights_u16.uids,
    weights: vector.weights_u16.weights,
    versionKey: config.versionKey,
  };
  const refusal = chainRefusal(state, call);
  if (refusal) return report('refused', { ...ids, ...refusal, checked_at_block: state.block.number, ...(state.uid === null ? {} : { uid: state.uid }) });
  const uid = state.uid as number;

  // The same limit applies to commits (CommittingWeightsTooFast).
  const allowedAt = state.lastUpdate! + state.weightsSetRateLimit;
  if (state.weightsSetRateLimit > 0n && BigInt(state.block.number) < allowedAt) {
    const blocks = Number(allowedAt - BigInt(state.block.number));
    return report('waiting_rate_limit', {
      ...ids,
      uid,
      checked_at_block: state.block.number,
      blocks_until_allowed: blocks,
      reason: `LastUpdate ${state.lastUpdate} + WeightsSetRateLimit ${state.weightsSetRateLimit} = block ${allowedAt}; the chain is at ${state.block.number}`,
      next_round_in_ms: Math.max(1_000, blocks * config.chain.blockTimeMs),
    });
  }

  const key = { digest: vector.digest, netuid: config.netuid, hotkey: deps.hotkey };
  const sendContext = { ledger, key, ids, uid, now, config, report };
  if (state.commitRevealEnabled) {
    return commitVector({
      chain: deps.chain,
      ledger,
      hotkey: deps.hotkey,
      netuid: config.netuid,
      mode: config.commitReveal.mode,
      blockTimeMs: config.chain.blockTimeMs,
      vector,
      versionKey: config.versionKey,
      state,
      dryRun: deps.dryRun ?? false,
      now,
      report,
      recordOutcome: (outcome, what) => recordOutcome(outcome, what, sendContext),
      sendFailed: (error, what) => sendFailed(error, what, sendContext),
    });
  }

  if (deps.dryRun) {
    return report('dry_run', {
      ...ids,
      uid,
      checked_at_block: state.block.number,
      would_submit: { netuid: call.netuid, uids: [...call.uids], weights: [...call.weights], version_key: call.versionKey.toString() },
    });
  }

  ledger.beginSubmission({ ...key, epoch: vector.epoch }, now());
  let outcome: SubmitOutcome;
  try {
    outcome = await deps.chain.submit(call);
  } catch (error) {
    return sendFailed(error as Error, 'set_weights', sendContext);
  }
  return recordOutcome(outcome, 'set_weights', sendContext);
}

function describePrevious(entry: LedgerEntry): string {
  if (entry.state === 'sending') return 'sent (outcome not recorded: the process stopped while sending)';
  if (entry.commit && entry.state === 'included') return `committed (${entry.commit.mode}; reveal ${entry.commit.reveal.state})`;
  return entry.state;
}

interface SendContext {
  ledger: Ledger;
  key: { digest: string; netuid: number; hotkey: string };
  ids: { digest: string; epoch: number };
  uid: number;
  now: () => Date;
  config: SubmitterConfig;
  report: (outcome: RoundOutcome, extra?: Partial<RoundReport>) => RoundReport;
}

function sendFailed(error: Error, what: string, ctx: SendContext): RoundReport {
  const reason = `sending ${what} failed, inclusion unknown: ${error.message}`;
  ctx.ledger.finishSubmission(ctx.key, { state: 'unknown', error: reason }, ctx.now(), ctx.config.rejectionBackoff);
  return ctx.report('inclusion_unknown', { ...ctx.ids, uid: ctx.uid, reason });
}

function recordOutcome(outcome: SubmitOutcome, what: string, ctx: SendContext): RoundReport {
  const { ledger, key, ids, uid, now, config, report } = ctx;
  const finish = (state: Parameters<Ledger['finishSubmission']>[1]) => ledger.finishSubmission(key, state, now(), config.rejectionBackoff);
  switch (outcome.status) {
    case 'included':
      finish({ state: 'included', blockNumber: outcome.blockNumber, blockHash: outcome.blockHash });
      return report('submitted', { ...ids, uid, block: { number: outcome.blockNumber, hash: outcome.blockHash } });
    case 'failed': {
      finish({ state: 'failed', blockNumber: outcome.blockNumber, blockHash: outcome.blockHash, error: outcome.error.name });
      const backoff = ledger.backoffUntil(now());
      return report('rejected_by_runtime', {
        ...ids,
        uid,
        error: outcome.error.name,
        reason: `the runtime refused ${what}: ${outcome.error.name}${outcome.error.docs ? ` (${outcome.error.docs})` : ''}`,
        block: { number: outcome.blockNumber, hash: outcome.blockHash },
        ...(backoff ? { backoff_until: backoff.toISOString() } : {}),
      });
    }
    case 'rejected_by_pool': {
      finish({ state: 'rejected_by_pool', error: `${outcome.name}: ${outcome.message}` });
      const backoff = ledger.backoffUntil(now());
      return report('rejected_by_pool', {
        ...ids,
        uid,
        error: outcome.name,
        reason: `the node refused ${what} before its pool (RPC error ${outcome.code ?? '?'}, ${outcome.name}): ${outcome.message}`,
        ...(backoff ? { backoff_until: backoff.toISOString() } : {}),
      });
    }
    case 'dropped':
      finish({ state: 'dropped', error: outcome.reason });
      return report('dropped', { ...ids, uid, reason: `the pool accepted ${what}, then reported it ${outcome.reason}` });
    case 'timeout':
      finish({ state: 'unknown', error: `not seen in a block within ${outcome.timeoutMs} ms` });
      return report('inclusion_unknown', {
        ...ids,
        uid,
        reason: `${what} (extrinsic ${outcome.extrinsicHash}) was not seen in a block within ${outcome.timeoutMs} ms; it will not be sent again`,
      });
  }
}
