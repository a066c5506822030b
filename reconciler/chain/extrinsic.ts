import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import type { DispatchError } from '@polkadot/types/interfaces';
import type { FrameSystemEventRecord } from '@polkadot/types/lookup';
import { decodeDispatchError } from './dispatch-error.ts';
import type { DecodedDispatchError } from './dispatch-error.ts';
import { observeEvents } from './events.ts';
import type { ObservedEvent } from './events.ts';
import { poolRejection, SUBTENSOR_TRANSACTION_EXTENSION } from './pool-error.ts';
import type { PoolRejection } from './pool-error.ts';

/** How a signed extrinsic ended. */
export type SubmitOutcome =
  /** In a block and dispatched; `events` are the ones it emitted (ExtrinsicSuccess last). */
  | { status: 'included'; extrinsicHash: string; blockHash: string; blockNumber: number; events?: ObservedEvent[] }
  /** Included, but the runtime refused it: `System.ExtrinsicFailed`, decoded by name. */
  | { status: 'failed'; extrinsicHash: string; blockHash: string; blockNumber: number; error: DecodedDispatchError }
  /** The node refused it before the pool (e.g. `1010: Invalid Transaction: Custom error: N`); nothing went on chain. */
  | PoolRejection
  /** Accepted by the pool, then reported invalid, dropped or usurped. */
  | { status: 'dropped'; extrinsicHash: string; reason: string }
  /** Accepted by the pool but not seen in a block within the timeout: its fate is unknown. */
  | { status: 'timeout'; extrinsicHash: string; timeoutMs: number };

export interface SubmitOptions {
  inclusionTimeoutMs: number;
}

/**
 * Signs and sends `tx` and waits until it is in a block (not finality: the caller only needs to know the runtime
 * accepted it). Never throws for a chain-side refusal; it returns which channel refused. Throws only when the node
 * could not be reached, so the caller cannot know whether it got the extrinsic.
 */
export async function submitExtrinsic(
  api: ApiPromise,
  signer: KeyringPair,
  tx: SubmittableExtrinsic<'promise'>,
  options: SubmitOptions,
): Promise<SubmitOutcome> {
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
            resolve(outcomeInBlock(api, extrinsicHash, blockHash, blockNumber, result));
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
          const rejection = poolRejection(error, api.registry.signedExtensions.includes(SUBTENSOR_TRANSACTION_EXTENSION));
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

function outcomeInBlock(api: ApiPromise, extrinsicHash: string, blockHash: string, blockNumber: number, result: ISubmittableResult): SubmitOutcome {
  const dispatchError: DispatchError | undefined = result.dispatchError;
  if (dispatchError) return { status: 'failed', extrinsicHash, blockHash, blockNumber, error: decodeDispatchError(api, dispatchError) };
  return { status: 'included', extrinsicHash, blockHash, blockNumber, events: observeEvents(result.events as unknown as FrameSystemEventRecord[]) };
}

async function blockNumberOf(api: ApiPromise, blockHash: string): Promise<number> {
  const header = await api.rpc.chain.getHeader(blockHash);
  return header.number.toNumber();
}
