import type { SetWeightsCall, SubmitOutcome, WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import type { SealedVector } from '../reconciler/weights/index.ts';
import type { SubmitterConfig } from './config.ts';
import { FetchVectorError } from './fetch-vector.ts';
import type { FetchedVector } from './fetch-vector.ts';
import type { Ledger } from './ledger.ts';
import { checkVector } from './verify-vector.ts';
import type { VectorRefusal } from './verify-vector.ts';

/** The chain as a round needs it; the real one wraps `@polkadot/api`, tests may count calls. */
export interface ChainAccess {
  readState(netuid: number, hotkey: string): Promise<WeightSettingState>;
  submit(call: SetWeightsCall): Promise<SubmitOutcome>;
}

export type ChainRefusal =
  | 'subnet_missing'
  | 'hotkey_not_registered'
  | 'commit_reveal_enabled'
  | 'version_key_too_low'
  | 'uid_not_on_subnet';

export type RoundOutcome =
  /** set_weights is in a block and the runtime accepted it. */
  | 'submitted'
  /** Nothing to do: this digest was already sent by this hotkey (also before a restart). */
  | 'already_submitted'
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
  /** The runtime's error name (e.g. `subtensorModule.IncorrectWeightVersionKey`). */
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
  /** Milliseconds until the next round should run, when sooner or later than the cadence matters. */
  next_round_in_ms?: number;
}

export interface RoundDeps {
  config: SubmitterConfig;
  /** The hotkey's SS58 address (the pair itself stays with ChainAccess). */
  hotkey: string;
  ledger: Ledger;
  chain: ChainAccess;
  fetchVector: () => Promise<FetchedVector>;
  now?: () => Date;
  dryRun?: boolean;
}

/** Outcomes after which the process may exit 0 in --once mode. */
export const SUCCESSFUL_OUTCOMES: ReadonlySet<RoundOutcome> = new Set(['submitted', 'already_submitted', 'dry_run', 'waiting_rate_limit']);

/**
 * One round: fetch → verify → ledger → chain pre-checks → submit → record. Every path returns a report; only a
 * bug throws. Nothing reaches the chain unless the vector is authentic, fresh, for our netuid, not sent before,
 * and the chain state says the runtime would take it.
 */
export async function runRound(deps: RoundDeps): Promise<RoundReport> {
  const now = deps.now ?? (() => new Date());
  const { config, ledger } = deps;
  const report = (outcome: RoundOutcome, extra: Partial<RoundReport> = {}): RoundReport => ({
    event: 'round',
    at: now().toISOString(),
    hotkey: deps.hotkey,
    netuid: config.netuid,
    outcome,
    digest: null,
    epoch: null,
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
      reason: `digest already ${previous.state === 'sending' ? 'sent (outcome not recorded: the process stopped while sending)' : previous.state} at ${previous.started_at}`,
      ...(previous.block_number !== null && previous.block_hash !== null ? { block: { number: previous.block_number, hash: previous.block_hash } } : {}),
    });
  }

  let state: WeightSettingState;
  try {
    state = await deps.chain.readState(config.netuid, deps.hotkey);
  } catch (error) {
    return report('chain_unavailable', { ...ids, reason: `cannot read the chain: ${(error as Error).message}` });
  }
  const refusal = chainRefusal(state, vector, config.versionKey);
  if (refusal) return report('refused', { ...ids, ...refusal, checked_at_block: state.block.number, ...(state.uid === null ? {} : { uid: state.uid }) });
  const uid = state.uid as number;

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

  const call: SetWeightsCall = {
    netuid: config.netuid,
    uids: vector.weights_u16.uids,
    weights: vector.weights_u16.weights,
    versionKey: config.versionKey,
  };
  if (deps.dryRun) {
    return report('dry_run', {
      ...ids,
      uid,
      checked_at_block: state.block.number,
      would_submit: { netuid: call.netuid, uids: [...call.uids], weights: [...call.weights], version_key: call.versionKey.toString() },
    });
  }

  const key = { digest: vector.digest, netuid: config.netuid, hotkey: deps.hotkey };
  ledger.beginSubmission({ ...key, epoch: vector.epoch }, now());
  let outcome: SubmitOutcome;
  try {
    outcome = await deps.chain.submit(call);
  } catch (error) {
    const reason = `sending failed, inclusion unknown: ${(error as Error).message}`;
    ledger.finishSubmission(key, { state: 'unknown', error: reason }, now(), config.rejectionBackoff);
    return report('inclusion_unknown', { ...ids, uid, reason });
  }
  return recordOutcome(outcome, { ledger, key, ids, uid, now, config, report });
}

function chainRefusal(
  state: WeightSettingState,
  vector: SealedVector,
  versionKey: bigint,
): { refusal: ChainRefusal; reason: string } | null {
  if (!state.subnetExists) return { refusal: 'subnet_missing', reason: `netuid ${vector.netuid} does not exist on chain` };
  if (state.uid === null) {
    return { refusal: 'hotkey_not_registered', reason: `the hotkey is not registered on netuid ${vector.netuid}; register it before submitting weights` };
  }
  if (state.commitRevealEnabled) {
    return {
      refusal: 'commit_reveal_enabled',
      reason:
        `commit-reveal is enabled on netuid ${vector.netuid}: the chain only accepts timelocked commits ` +
        '(commit_timelocked_weights), which this submitter does not support yet. Nothing was submitted.',
    };
  }
  if (versionKey < state.weightsVersionKey) {
    return {
      refusal: 'version_key_too_low',
      reason: `version_key ${versionKey} is below the subnet's WeightsVersionKey ${state.weightsVersionKey}; raise version_key in the config`,
    };
  }
  const outOfRange = vector.weights_u16.uids.filter((uid) => uid >= state.subnetworkN);
  if (outOfRange.length > 0) {
    return {
      refusal: 'uid_not_on_subnet',
      reason: `uid(s) ${outOfRange.slice(0, 10).join(', ')} do not exist on netuid ${vector.netuid} (SubnetworkN ${state.subnetworkN})`,
    };
  }
  return null;
}

function recordOutcome(
  outcome: SubmitOutcome,
  ctx: {
    ledger: Ledger;
    key: { digest: string; netuid: number; hotkey: string };
    ids: { digest: string; epoch: number };
    uid: number;
    now: () => Date;
    config: SubmitterConfig;
    report: (outcome: RoundOutcome, extra?: Partial<RoundReport>) => RoundReport;
  },
): RoundReport {
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
        reason: `the runtime refused set_weights: ${outcome.error.name}${outcome.error.docs ? ` (${outcome.error.docs})` : ''}`,
        block: { number: outcome.blockNumber, hash: outcome.blockHash },
        ...(backoff ? { backoff_until: backoff.toISOString() } : {}),
      });
    }
    case 'rejected_by_pool': {
      finish({ state: 'rejected_by_pool', error: outcome.message });
      const backoff = ledger.backoffUntil(now());
      return report('rejected_by_pool', {
        ...ids,
        uid,
        error: outcome.message,
        reason: `the node refused set_weights before its pool (RPC error ${outcome.code ?? '?'}): ${outcome.message}`,
        ...(backoff ? { backoff_until: backoff.toISOString() } : {}),
      });
    }
    case 'dropped':
      finish({ state: 'dropped', error: outcome.reason });
      return report('dropped', { ...ids, uid, reason: `the pool accepted set_weights, then reported it ${outcome.reason}` });
    case 'timeout':
      finish({ state: 'unknown', error: `not seen in a block within ${outcome.timeoutMs} ms` });
      return report('inclusion_unknown', {
        ...ids,
        uid,
        reason: `set_weights (extrinsic ${outcome.extrinsicHash}) was not seen in a block within ${outcome.timeoutMs} ms; it will not be sent again`,
      });
  }
}
