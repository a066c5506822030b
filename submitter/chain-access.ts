import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { connectSubtensor } from '../reconciler/chain/connect.ts';
import { readWeightSettingState, submitSetWeights } from '../reconciler/chain/weight-setting.ts';
import type { SetWeightsCall, SubmitOutcome, WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import type { ChainAccess } from './round.ts';

/**
 * The chain through `@polkadot/api`, connected on first use. After a failure the connection is dropped and the
 * next call opens a fresh one, so a node restart costs one round, not the process.
 */
export class SubtensorChainAccess implements ChainAccess {
  #api: ApiPromise | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly signer: KeyringPair,
    private readonly options: { connectTimeoutMs: number; inclusionTimeoutMs: number },
  ) {}

  async readState(netuid: number, hotkey: string): Promise<WeightSettingState> {
    return this.#withApi((api) => readWeightSettingState(api, netuid, hotkey));
  }

  async submit(call: SetWeightsCall): Promise<SubmitOutcome> {
    return this.#withApi((api) => submitSetWeights(api, this.signer, call, { inclusionTimeoutMs: this.options.inclusionTimeoutMs }));
  }

  async close(): Promise<void> {
    const api = this.#api;
    this.#api = undefined;
    await api?.disconnect().catch(() => undefined);
  }

  async #withApi<T>(use: (api: ApiPromise) => Promise<T>): Promise<T> {
    if (this.#api && !this.#api.isConnected) await this.close();
    this.#api ??= await connectSubtensor(this.endpoint, { timeoutMs: this.options.connectTimeoutMs });
    try {
      return await use(this.#api);
    } catch (error) {
      await this.close();
      throw error;
    }
  }
}
