import type { WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import type { ChainRefusal } from './report.ts';

export interface WeightsToSubmit {
  netuid: number;
  uids: readonly number[];
  weights: readonly number[];
  versionKey: bigint;
}

/**
 * What the runtime's `set_weights` checks (subtensor `subnets/weights.rs`, `internal_set_weights`), checked before
 * anything is sent. On a commit-reveal subnet the same checks run only at reveal, and a failure there drops the
 * commit silently: hence all of them here. The rate limit is not a refusal (the caller waits for it).
 */
export function chainRefusal(state: WeightSettingState, call: WeightsToSubmit): { refusal: ChainRefusal; reason: string } | null {
  const { netuid, uids, weights } = call;
  if (!state.subnetExists) return { refusal: 'subnet_missing', reason: `netuid ${netuid} does not exist on chain` };
  if (state.uid === null) {
    return { refusal: 'hotkey_not_registered', reason: `the hotkey is not registered on netuid ${netuid}; register it before submitting weights` };
  }
  if (call.versionKey < state.weightsVersionKey) {
    return {
      refusal: 'version_key_too_low',
      reason: `version_key ${call.versionKey} is below the subnet's WeightsVersionKey ${state.weightsVersionKey}; raise version_key in the config`,
    };
  }
  if (new Set(uids).size !== uids.length) return { refusal: 'duplicate_uids', reason: 'the vector lists a uid twice' };
  const outOfRange = uids.filter((uid) => uid >= state.subnetworkN);
  if (outOfRange.length > 0) {
    return {
      refusal: 'uid_not_on_subnet',
      reason: `uid(s) ${outOfRange.slice(0, 10).join(', ')} do not exist on netuid ${netuid} (SubnetworkN ${state.subnetworkN})`,
    };
  }
  // Weights only on oneself pass the permit, length and limit checks on chain.
  const selfWeight = uids.length === 1 && uids[0] === state.uid;
  if (selfWeight) return null;
  if (state.validatorPermit === false) {
    return { refusal: 'no_validator_permit', reason: `uid ${state.uid} has no validator permit on netuid ${netuid}: the runtime refuses its weights (NeuronNoValidatorPermit)` };
  }
  const minLength = Math.min(state.minAllowedWeights, state.subnetworkN);
  if (uids.length < minLength) {
    return {
      refusal: 'too_few_weights',
      reason: `${uids.length} weight(s); the subnet requires at least ${minLength} (MinAllowedWeights ${state.minAllowedWeights})`,
    };
  }
  if (state.maxWeightLimit < 0xffff && weights.length > 0) {
    // The runtime normalizes the weights to sum 1 and compares the largest share with MaxWeightsLimit / 65535.
    const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
    const max = weights.reduce((a, w) => (BigInt(w) > a ? BigInt(w) : a), 0n);
    if (max * 0xffffn > BigInt(state.maxWeightLimit) * sum) {
      const share = Number((max * 1_000_000n) / sum) / 1_000_000;
      return {
        refusal: 'weight_above_limit',
        reason: `the largest weight is ${share.toFixed(6)} of the total; MaxWeightsLimit allows ${(state.maxWeightLimit / 0xffff).toFixed(6)}`,
      };
    }
  }
  return null;
}
