// A subnet on the offline localnet with a registered validator and miners, a master serving sealed vectors over
// HTTP, and config files for the submitter: what the submitter's chain tests (*.itest.ts) share.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyringPair } from '@polkadot/keyring/types';
import { readMetagraph } from '../../reconciler/chain/metagraph.ts';
import { startLocalnet } from '../../reconciler/chain/testing/localnet.ts';
import type { Localnet, LocalnetOptions } from '../../reconciler/chain/testing/localnet.ts';
import type { SealedVector } from '../../reconciler/weights/index.ts';
import { parseSubmitterConfig } from '../config.ts';
import type { SubmitterConfig } from '../config.ts';
import { sealedVector, serveVector, tempDir, writeConfig, writeSecret } from './helpers.ts';

export const VALIDATOR_URI = '//validator';

export interface SubmitterChainFixture {
  net: Localnet;
  netuid: number;
  validator: KeyringPair;
  validatorUid: number;
  hotkeyToUid: Record<string, number>;
  /** Seals a new vector (a new epoch each call, so a new digest) and serves it as /v1/weights/latest. */
  publish(scores?: Record<string, number>): Promise<SealedVector>;
  weightsUrl: string;
  /** Writes a config (own state folder per name) and returns its path and the parsed config. */
  config(name: string, overrides?: Record<string, unknown>, seedUri?: string): { file: string; config: SubmitterConfig };
  /** The validator's row of `Weights` as [uid, weight] pairs. */
  storedWeights(uid?: number): Promise<Array<[number, number]>>;
  lastUpdate(uid?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startSubmitterChain(minerCount = 3, localnet: LocalnetOptions = {}): Promise<SubmitterChainFixture> {
  const net = await startLocalnet(localnet);
  const work = tempDir('chain');
  let server: Awaited<ReturnType<typeof serveVector>> | undefined;
  try {
    // Every extrinsic is built into a block at once: the submitter waits for inclusion like on a live chain.
    await net.setBlockBuildMode('Instant');
    const netuid = await net.registerSubnet();
    const validator = net.pair(VALIDATOR_URI);
    const validatorUid = await net.registerNeuron(netuid, validator);
    for (let i = 1; i <= minerCount; i++) await net.registerNeuron(netuid, net.pair(`//miner-${i}`));
    await net.setWeightsHyperparameters(netuid, { commitRevealEnabled: false, weightsSetRateLimit: 0 });
    const { hotkeyToUid } = await readMetagraph(net.api, netuid);

    let current: SealedVector | undefined;
    let epoch = 5000;
    server = await serveVector(() => current);
    const weightsUrl = server.url;
    const serving = server;

    const q = () => net.api.query.subtensorModule!;
    return {
      net,
      netuid,
      validator,
      validatorUid,
      hotkeyToUid,
      weightsUrl,
      publish: async (scores) => {
        epoch += 1;
        current = await sealedVector({ netuid, epoch, hotkeyToUid, ...(scores ? { scores } : {}) });
        return current;
      },
      config: (name, overrides = {}, seedUri = VALIDATOR_URI) => {
        const dir = path.join(work.dir, name);
        mkdirSync(dir, { recursive: true });
        writeSecret(path.join(dir, 'hotkey.seed'), seedUri);
        const file = writeConfig(dir, {
          weights_url: weightsUrl,
          netuid,
          chain_endpoint: net.endpoint,
          chain: { connect_timeout_seconds: 60, inclusion_timeout_seconds: 60, block_time_seconds: 1 },
          ...overrides,
        });
        const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
        return { file, config: parseSubmitterConfig(raw, file) };
      },
      storedWeights: async (uid = validatorUid) => {
        const row = (await q().weights!(netuid, uid)) as unknown as Array<[{ toNumber(): number }, { toNumber(): number }]>;
        return row.map(([u, w]) => [u.toNumber(), w.toNumber()]);
      },
      lastUpdate: async (uid = validatorUid) => {
        const all = (await q().lastUpdate!(netuid)) as unknown as Array<{ toString(): string }>;
        return Number(all[uid]?.toString() ?? 0);
      },
      close: async () => {
        await serving.close();
        await net.close();
        work.remove();
      },
    };
  } catch (error) {
    await server?.close();
    await net.close();
    work.remove();
    throw error;
  }
}
