import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import type { DispatchError } from '@polkadot/types/interfaces';
import { decodeDispatchError } from './dispatch-error.ts';
import type { DecodedDispatchError } from './dispatch-error.ts';

/** What the runtime will check when a hotkey calls `set_weights` on a subnet, read at one block. */
export interface WeightSettingState {
  block: { number: number; hash: string };
  subnetExists: boolean;
  /** The hotkey's uid on the subnet, null when it is not registered there. */
  uid: number | null;
  subnetworkN: number;
  commitRevealEnabled: boolean;
  weightsSetRateLimit: bigint;
  /** Block of the hotkey's last weight update (LastUpdate[uid]); null when not registered. */
  lastUpdate: bigint | null;
  weightsVersionKey: bigint;
  minAllowedWeights: number;
  maxWeightLimit: number;
}

interface Codec {
  toString(): string;
}
const big = (value: unknown) => BigInt((value as Codec).toString());
const num = (value: unknown) => Number((value as Codec).toString());

export async function readWeightSettingState(api: ApiPromise, netuid: number, hotkey: string): Promise<WeightSettingState> {
  const header = await api.rpc.chain.getHeader();
  const hash = header.hash.toHex();
  const at = await api.at(hash);
  const m = at.query.subtensorModule;
  if (!m?.uids || !m.networksAdded) throw new Error('the runtime has no subtensorModule storage: is this a subtensor node?');
  const [added, uidOption, n, commitReveal, rateLimit, versionKey, lastUpdates, minAllowed, maxLimit] = await Promise.all([
    m.networksAdded(netuid),
    m.uids(netuid, hotkey),
    m.subnetworkN!(netuid),
    m.commitRevealWeightsEnabled!(netuid),
    m.weightsSetRateLimit!(netuid),
    m.weightsVersionKey!(netuid),
    m.lastUpdate!(netuid),
    m.minAllowedWeights!(netuid),
    m.maxWeightsLimit!(netuid),
  ]);
  const option = uidOption as unknown as { isSome: boolean; unwrap(): Codec };
  const uid = option.isSome ? num(option.unwrap()) : null;
  const updates = lastUpdates as unknown as Codec[];
  const last = uid === null ? undefined : updates[uid];
  return {
    block: { number: header.number.toNumber(), hash },
    subnetExists: (added as unknown as { isTrue: boolean }).isTrue,
    uid,
    subnetworkN: num(n),
    commitRevealEnabled: (commitReveal as unknown as { isTrue: boolean }).isTrue,
    weightsSetRateLimit: big(rateLimit),
    lastUpdate: uid === null ? null : last === undefined ? 0n : big(last),
    weightsVersionKey: big(versionKey),
    minAllowedWeights: num(minAllowed),
    maxWeightLimit: num(maxLimit),
  };
}

export interface SetWeightsCall {
  netuid: number;
  uids: readonly number[];
  weights: readonly number[];
  versionKey: bigint;
}

/** How a `set_weights` submission ended. */
export type SubmitOutcome =
  | { status: 'included'; extrinsicHash: string; blockHash: string; blockNumber: number }
  /** Included, but the runtime refused it: `System.ExtrinsicFailed`, decoded by name. */
  | { status: 'failed'; extrinsicHash: string; blockHash: string; blockNumber: number; error: DecodedDispatchError }
  /** The node refused it before the pool (e.g. `1010: Invalid Transaction: Custom error: N`); nothing went on chain. */
  | { status: 'rejected_by_pool'; code: number | null; message: string }
  /** Accepted by the pool, then reported invalid, dropped or usurped. */
  | { status: 'dropped'; extrinsicHash: string; reason: string }
  /** Accepted by the pool but not seen in a block within the timeout: its fate is unknown. */
  | { status: 'timeout'; extrinsicHash: string; timeoutMs: number };

export interface SubmitOptions {
  inclusionTimeoutMs: number;
}

/**
 * Signs and sends `subtensorModule.setWeights` and waits until it is in a block (not finality: a validator only
 * needs to know the runtime accepted it). Never throws for a chain-side refusal; it returns which channel refused.
 */
export async function submitSetWeights(
  api: ApiPromise,
  signer: KeyringPair,
  call: SetWeightsCall,
  options: SubmitOptions,
): Promise<SubmitOutcome> {
  const tx = api.tx.subtensorModule!.setWeights!(call.netuid, [...call.uids], [...call.weights], call.versionKey);
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let extrinsicHash = '';
  let inBlockSeen = false;
  try {
    return await new Promise<SubmitOutcome>((resolve, reject) => {
      const onStatus = (result: ISubmittableResult) => {
        const { status } = result;
        // The API replaces a pending InBlock result by Finalized when that arrives first (a node that finalizes at
        // once, or a slow events query): either means the extrinsic is in a block.
        if (status.isInBlock || status.isFinalized) {
          if (inBlockSeen) return;
          inBlockSeen = true;
          const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
          void blockNumberOf(api, blockHash).then((blockNumber) => {
            resolve(outcomeInBlock(api, extrinsicHash, blockHash, blockNumber, result.dispatchError));
          }, reject);
        } else if (status.isInvalid || status.isDropped || status.isUsurped) {
          resolve({ status: 'dropped', extrinsicHash, reason: status.type });
        }
      };
      tx.signAndSend(signer, { nonce: -1 }, onStatus).then(
        (unsub) => {
          unsubscribe = unsub;
          extrinsicHash = tx.hash.toHex();
          timer = setTimeout(() => resolve({ status: 'timeout', extrinsicHash, timeoutMs: options.inclusionTimeoutMs }), options.inclusionTimeoutMs);
        },
        (error: unknown) => {
          const rejection = poolRejection(error);
          // Without an RPC error code it is a transport failure: the caller cannot know whether the node got it.
          if (rejection.code === null) reject(error);
          else resolve(rejection);
        },
      );
    });
  } finally {
    clearTimeout(timer);
    unsubscribe?.();
  }
}

function outcomeInBlock(
  api: ApiPromise,
  extrinsicHash: string,
  blockHash: string,
  blockNumber: number,
  dispatchError: DispatchError | undefined,
): SubmitOutcome {
  if (dispatchError) return { status: 'failed', extrinsicHash, blockHash, blockNumber, error: decodeDispatchError(api, dispatchError) };
  return { status: 'included', extrinsicHash, blockHash, blockNumber };
}

async function blockNumberOf(api: ApiPromise, blockHash: string): Promise<number> {
  const header = await api.rpc.chain.getHeader(blockHash);
  return header.number.toNumber();
}

/** The RPC error of a refused submission, e.g. `1010: Invalid Transaction: Custom error: 1`. */
export function poolRejection(error: unknown): { status: 'rejected_by_pool'; code: number | null; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  const codeField = (error as { code?: unknown } | null)?.code;
  const code = typeof codeField === 'number' ? codeField : Number.parseInt(/^(\d+):/.exec(message)?.[1] ?? '', 10);
  return { status: 'rejected_by_pool', code: Number.isFinite(code) ? code : null, message };
}
