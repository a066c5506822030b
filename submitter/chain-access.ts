import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import {
  commitRevealExtrinsic,
  encodedCall,
  isTimelockedCommitQueued,
  readCommitRevealState,
  readHashCommits,
} from '../reconciler/chain/commit-reveal.ts';
import type { CommitRevealCall, CommitRevealReading, OpenHashCommit } from '../reconciler/chain/commit-reveal.ts';
import { connectSubtensor } from '../reconciler/chain/connect.ts';
import { readBlockEvents } from '../reconciler/chain/events.ts';
import type { ObservedBlock } from '../reconciler/chain/events.ts';
import { submitExtrinsic } from '../reconciler/chain/extrinsic.ts';
import { readWeightSettingState, submitSetWeights } from '../reconciler/chain/weight-setting.ts';
import type { SetWeightsCall, SubmitOutcome, WeightSettingState } from '../reconciler/chain/weight-setting.ts';
import type { ChainAccess } from './report.ts';

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

  async readCommitReveal(netuid: number, blockHash: string): Promise<CommitRevealReading> {
    return this.#withApi((api) => readCommitRevealState(api, netuid, blockHash));
  }

  async encodeCall(call: CommitRevealCall): Promise<string> {
    return this.#withApi(async (api) => encodedCall(api, call));
  }

  async submitCommitReveal(call: CommitRevealCall): Promise<SubmitOutcome> {
    return this.#withApi((api) =>
      submitExtrinsic(api, this.signer, commitRevealExtrinsic(api, call), { inclusionTimeoutMs: this.options.inclusionTimeoutMs }),
    );
  }

  async head(): Promise<{ number: number; hash: string }> {
    return this.#withApi(async (api) => {
      const header = await api.rpc.chain.getHeader();
      return { number: header.number.toNumber(), hash: header.hash.toHex() };
    });
  }

  async readBlocks(from: number, to: number): Promise<ObservedBlock[]> {
    return this.#withApi((api) => readBlockEvents(api, from, to));
  }

  async hashCommits(netuid: number, hotkey: string): Promise<OpenHashCommit[]> {
    return this.#withApi((api) => readHashCommits(api, netuid, hotkey));
  }

  async timelockedCommitQueued(netuidIndex: number, hotkey: string, commitHash: string, blockHash: string): Promise<boolean> {
    return this.#withApi((api) => isTimelockedCommitQueued(api, netuidIndex, hotkey, commitHash, blockHash));
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
