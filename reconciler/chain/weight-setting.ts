import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { submitExtrinsic } from './extrinsic.ts';
import type { SubmitOptions, SubmitOutcome } from './extrinsic.ts';

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
  /** ValidatorPermit[uid]: without it the runtime refuses weights on others (null when not registered). */
  validatorPermit: boolean | null;
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
  const [added, uidOption, n, commitReveal, rateLimit, versionKey, lastUpdates, minAllowed, maxLimit, permits] = await Promise.all([
    m.networksAdded(netuid),
    m.uids(netuid, hotkey),
    m.subnetworkN!(netuid),
    m.commitRevealWeightsEnabled!(netuid),
    m.weightsSetRateLimit!(netuid),
    m.weightsVersionKey!(netuid),
    m.lastUpdate!(netuid),
    m.minAllowedWeights!(netuid),
    m.maxWeightsLimit!(netuid),
    m.validatorPermit!(netuid),
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
    validatorPermit: uid === null ? null : (permits as unknown as Array<{ isTrue: boolean }>)[uid]?.isTrue ?? false,
  };
}

export type { SubmitOutcome } from './extrinsic.ts';

export interface SetWeightsCall {
  netuid: number;
  uids: readonly number[];
  weights: readonly number[];
  versionKey: bigint;
}

/**
 * Signs and sends `subtensorModule.setWeights` and waits until it is in a block. Never throws for a chain-side
 * refusal; it returns which channel refused.
 */
export async function submitSetWeights(
  api: ApiPromise,
  signer: KeyringPair,
  call: SetWeightsCall,
  options: SubmitOptions,
): Promise<SubmitOutcome> {
  const tx = api.tx.subtensorModule!.setWeights!(call.netuid, [...call.uids], [...call.weights], call.versionKey);
  return submitExtrinsic(api, signer, tx, options);
}
