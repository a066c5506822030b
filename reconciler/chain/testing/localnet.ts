/**
 * An offline subtensor localnet for tests: the real runtime of the raonet chain spec (found by chain-spec.ts:
 * BASE_SUBTENSOR_SPEC, ../shared/fixtures/subtensor/raonet.json, or a pinned download) executed by chopsticks, with
 * no upstream node. Blocks are built only when asked (`newBlocks`), or on every extrinsic after
 * `setBlockBuildMode('Instant')`. One instance costs ~350 MB and ~10 s to start: share one per test file.
 */
import { readFile } from 'node:fs/promises';
import type { ApiPromise } from '@polkadot/api';
import { WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ISubmittableResult } from '@polkadot/types/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connectSubtensor } from '../connect.ts';
import { describeDispatchError } from '../dispatch-error.ts';
import { resolveChainSpec } from './chain-spec.ts';
import type { ChainSpecSource, ResolveChainSpecOptions } from './chain-spec.ts';


/** `twox128("Timestamp") ++ twox128("Now")`. */
const TIMESTAMP_NOW_KEY = '0xf0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb';
const SLOT_DURATION_MS = 12_000;
/** A block takes ~1-2 s on a loaded machine; far longer means something is stuck, and a test should say so. */
const SUBMIT_TIMEOUT_MS = 90_000;
const DEV_BALANCE = 10n ** 18n; // 1e9 TAO in rao (balances are u64 on this runtime).
export const DEV_ACCOUNT_NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'] as const;

/** LOCALNET_TRACE=1 prints each start-up and block step with its time, to find where a slow machine spends it. */
const trace = process.env.LOCALNET_TRACE
  ? (step: string) => process.stderr.write(`[localnet ${new Date().toISOString()}] ${step}\n`)
  : () => undefined;

export type BlockBuildMode = 'Manual' | 'Instant' | 'Batch';

export interface WeightsHyperparameters {
  commitRevealEnabled?: boolean;
  weightsSetRateLimit?: number;
  weightsVersionKey?: number | bigint;
  minAllowedWeights?: number;
  maxWeightLimit?: number;
  /** Global (not per subnet) on this runtime. */
  weightsMinStake?: number | bigint;
  tempo?: number;
  /** RevealPeriodEpochs (sudo_set_commit_reveal_weights_interval). */
  revealPeriodEpochs?: number;
}

export interface Localnet {
  /** ws://127.0.0.1:<ephemeral port> */
  readonly endpoint: string;
  /** Where the chain spec came from (see chain-spec.ts). */
  readonly specSource: ChainSpecSource | 'option';
  readonly api: ApiPromise;
  /** Sudo key and the coldkey that pays for registrations. */
  readonly alice: KeyringPair;
  readonly keyring: Keyring;
  /** An sr25519 pair from a dev URI such as `//Bob` or `//miner-3`. */
  pair(uri: string): KeyringPair;
  newBlocks(count?: number): Promise<{ number: number; hash: string }>;
  setBlockBuildMode(mode: BlockBuildMode): Promise<void>;
  /** Signs with `signer`, builds a block and returns the result; throws with the decoded error if dispatch failed. */
  submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<ISubmittableResult>;
  sudo(call: SubmittableExtrinsic<'promise'>): Promise<ISubmittableResult>;
  /** Registers a new subnet owned by `ownerHotkey` (coldkey Alice) and returns its netuid. */
  registerSubnet(ownerHotkey?: KeyringPair): Promise<number>;
  /** burnedRegister with Alice as coldkey; returns the uid. */
  registerNeuron(netuid: number, hotkey: KeyringPair): Promise<number>;
  setWeightsHyperparameters(netuid: number, params: WeightsHyperparameters): Promise<void>;
  bestBlock(): Promise<{ number: number; hash: string }>;
  close(): Promise<void>;
}

export interface LocalnetOptions {
  /** A chain spec file to run instead of resolving one. */
  specPath?: string;
  /** How the spec is resolved when specPath is not given (tests of the resolver narrow the sources). */
  spec?: ResolveChainSpecOptions;
}

/** Starts chopsticks on an ephemeral loopback port with Alice as sudo and the dev accounts funded. */
export async function startLocalnet(options: LocalnetOptions = {}): Promise<Localnet> {
  await cryptoWaitReady();
  const { setupWithServer, destroyWorker } = await loadChopsticks();
  const resolved = options.specPath ? { path: options.specPath, source: 'option' as const } : await resolveChainSpec(options.spec);
  trace(`chain spec from ${resolved.source}: ${resolved.path}`);
  const spec = JSON.parse(await readFile(resolved.path, 'utf8')) as {
    genesis: { raw: { top: Record<string, string> } };
  };
  // Without a pinned timestamp about one start in eight panics with "Timestamp slot must match CurrentSlot".
  spec.genesis.raw.top[TIMESTAMP_NOW_KEY] = u64LittleEndianHex(Math.floor(Date.now() / SLOT_DURATION_MS) * SLOT_DURATION_MS);

  trace('starting chopsticks');
  const server = await setupWithServer({
    genesis: spec as never,
    host: '127.0.0.1',
    port: 0,
    'build-block-mode': 'Manual' as never,
  } as Parameters<typeof setupWithServer>[0]);
  const endpoint = `ws://${server.addr}`;
  trace(`chopsticks listening on ${endpoint}`);
  let dev: WsProvider | undefined;
  let api: ApiPromise | undefined;
  try {
    dev = new WsProvider(endpoint, 1_000, {}, 60_000);
    await dev.isReady;
    const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
    const alice = keyring.addFromUri('//Alice');
    const devAccounts = DEV_ACCOUNT_NAMES.map((name) => keyring.addFromUri(`//${name}`).address);
    await dev.send('dev_setStorage', [
      {
        Sudo: { Key: alice.address },
        System: {
          Account: devAccounts.map((address) => [[address], { providers: 1, data: { free: DEV_BALANCE.toString() } }]),
        },
      },
    ]);
    await dev.send('dev_newBlock', [{ count: 1 }]);
    trace('sudo key set, dev accounts funded');
    api = await connectSubtensor(endpoint, { timeoutMs: 60_000 });
    trace('api connected');
    return makeLocalnet({ destroyWorker, endpoint, specSource: resolved.source, api, dev, keyring, alice, close: () => server.close() });
  } catch (error) {
    await api?.disconnect().catch(() => undefined);
    await dev?.disconnect().catch(() => undefined);
    await server.close().catch(() => undefined);
    await destroyWorker().catch(() => undefined);
    throw error;
  }
}

function makeLocalnet(parts: {
  destroyWorker: () => Promise<void>;
  endpoint: string;
  specSource: Localnet['specSource'];
  api: ApiPromise;
  dev: WsProvider;
  keyring: Keyring;
  alice: KeyringPair;
  close: () => Promise<void>;
}): Localnet {
  const { endpoint, api, dev, keyring, alice } = parts;
  /** In Instant mode chopsticks builds a block for every extrinsic by itself. */
  let instant = false;
  const funded = new Set(DEV_ACCOUNT_NAMES.map((name) => keyring.addFromUri(`//${name}`).address));

  const bestBlock = async () => {
    const header = await api.rpc.chain.getHeader();
    return { number: header.number.toNumber(), hash: header.hash.toHex() };
  };

  const newBlocks = async (count = 1) => {
    trace(`building ${count} block(s)`);
    await dev.send('dev_newBlock', [{ count }]);
    return bestBlock();
  };

  const submit = async (tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<ISubmittableResult> => {
    trace(`submitting ${describeCall(tx)}`);
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const seen: string[] = [];
    const included = new Promise<ISubmittableResult>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${describeCall(tx)} not in a block after ${SUBMIT_TIMEOUT_MS} ms (statuses seen: ${seen.join(', ') || 'none'})`)),
        SUBMIT_TIMEOUT_MS,
      );
      let blockRequested = false;
      tx.signAndSend(signer, { nonce: -1 }, (result) => {
        seen.push(result.status.type);
        if (result.status.isReady && !blockRequested && !instant) {
          // Only now is the extrinsic in chopsticks' pool: the signAndSend promise resolves before the node has
          // even validated it, and a block built then would not contain it.
          blockRequested = true;
          trace(`${describeCall(tx)} in the pool; building a block`);
          dev.send('dev_newBlock', [{ count: 1 }]).then(() => trace(`block built for ${describeCall(tx)}`), reject);
        }
        // chopsticks reports Finalized 100 ms after InBlock, and the API drops the InBlock result when its events
        // are still loading by then: either one means "in a block".
        if (result.status.isInBlock || result.status.isFinalized) resolve(result);
        else if (result.status.isInvalid || result.status.isDropped || result.status.isUsurped) {
          reject(new Error(`extrinsic ${describeCall(tx)} ended as ${result.status.type}`));
        }
      })
        .then((unsub) => {
          unsubscribe = unsub;
          if (settled) unsub();
        })
        .catch(reject);
    }).finally(() => {
      settled = true;
      clearTimeout(timer);
      unsubscribe?.();
    });
    const result = await included;
    if (result.dispatchError) {
      throw new Error(`${tx.method.section}.${tx.method.method} failed: ${describeDispatchError(api, result.dispatchError)}`);
    }
    const sudid = result.events.find(({ event }) => api.events.sudo?.Sudid?.is(event));
    if (sudid) {
      const [outcome] = sudid.event.data as unknown as [{ isErr: boolean; asErr: Parameters<typeof describeDispatchError>[1] }];
      if (outcome.isErr) {
        throw new Error(`sudo(${describeCall(tx)}) failed: ${describeDispatchError(api, outcome.asErr)}`);
      }
    }
    return result;
  };

  const sudo = (call: SubmittableExtrinsic<'promise'>) => submit(api.tx.sudo!.sudo!(call), alice);

  const fund = async (address: string) => {
    if (funded.has(address)) return;
    await dev.send('dev_setStorage', [
      { System: { Account: [[[address], { providers: 1, data: { free: DEV_BALANCE.toString() } }]] } },
    ]);
    funded.add(address);
  };

  let networkRateLimitCleared = false;
  const registerSubnet = async (ownerHotkey: KeyringPair = keyring.addFromUri('//Alice//subnet-owner')) => {
    if (!networkRateLimitCleared) {
      await sudo(api.tx.adminUtils!.sudoSetNetworkRateLimit!(0));
      networkRateLimitCleared = true;
    }
    const result = await submit(api.tx.subtensorModule!.registerNetwork!(ownerHotkey.address, 1), alice);
    const added = result.events.find(({ event }) => event.section === 'subtensorModule' && event.method === 'NetworkAdded');
    if (!added) throw new Error('registerNetwork was included but emitted no NetworkAdded event');
    const netuid = Number((added.event.data[0] as unknown as { toString(): string }).toString());
    // The defaults allow a handful of registrations per interval; a test may register more (pool error custom 5).
    await sudo(api.tx.adminUtils!.sudoSetTargetRegistrationsPerInterval!(netuid, 1000));
    await sudo(api.tx.adminUtils!.sudoSetMaxRegistrationsPerBlock!(netuid, 1000));
    return netuid;
  };

  const registerNeuron = async (netuid: number, hotkey: KeyringPair) => {
    await submit(api.tx.subtensorModule!.burnedRegister!(netuid, hotkey.address), alice);
    const uid = await api.query.subtensorModule!.uids!(netuid, hotkey.address);
    const value = (uid as unknown as { isSome: boolean; unwrap(): { toNumber(): number } });
    if (!value.isSome) throw new Error(`burnedRegister of ${hotkey.address} on netuid ${netuid} left no uid`);
    return value.unwrap().toNumber();
  };

  const setWeightsHyperparameters = async (netuid: number, params: WeightsHyperparameters) => {
    const admin = api.tx.adminUtils!;
    if (params.commitRevealEnabled !== undefined) {
      await sudo(admin.sudoSetCommitRevealWeightsEnabled!(netuid, params.commitRevealEnabled));
    }
    if (params.weightsSetRateLimit !== undefined) await sudo(admin.sudoSetWeightsSetRateLimit!(netuid, params.weightsSetRateLimit));
    if (params.weightsVersionKey !== undefined) await sudo(admin.sudoSetWeightsVersionKey!(netuid, params.weightsVersionKey));
    if (params.minAllowedWeights !== undefined) await sudo(admin.sudoSetMinAllowedWeights!(netuid, params.minAllowedWeights));
    if (params.maxWeightLimit !== undefined) await sudo(admin.sudoSetMaxWeightLimit!(netuid, params.maxWeightLimit));
    if (params.weightsMinStake !== undefined) await sudo(admin.sudoSetWeightsMinStake!(params.weightsMinStake));
    if (params.tempo !== undefined) await sudo(admin.sudoSetTempo!(netuid, params.tempo));
    if (params.revealPeriodEpochs !== undefined) await sudo(admin.sudoSetCommitRevealWeightsInterval!(netuid, params.revealPeriodEpochs));
  };

  let closed = false;
  return {
    endpoint,
    specSource: parts.specSource,
    api,
    alice,
    keyring,
    pair: (uri) => keyring.addFromUri(uri),
    newBlocks,
    setBlockBuildMode: async (mode) => {
      await dev.send('dev_setBlockBuildMode', [mode]);
      instant = mode === 'Instant';
    },
    submit: async (tx, signer) => {
      await fund(signer.address);
      return submit(tx, signer);
    },
    sudo,
    registerSubnet,
    registerNeuron,
    setWeightsHyperparameters,
    bestBlock,
    close: async () => {
      if (closed) return;
      closed = true;
      await api.disconnect().catch(() => undefined);
      await dev.disconnect().catch(() => undefined);
      await parts.close();
      // The runtime executor is a worker thread shared by the process; it would keep the test process alive.
      await parts.destroyWorker();
    },
  };
}

/**
 * chopsticks logs every block at info level and reads LOG_LEVEL once, when its logger module loads; tests only want
 * to hear about problems, hence the late import.
 */
async function loadChopsticks() {
  process.env.LOG_LEVEL ??= 'warn';
  return import('@acala-network/chopsticks');
}

function describeCall(tx: SubmittableExtrinsic<'promise'>): string {
  const inner = tx.method.args[0] as unknown as { section?: string; method?: string } | undefined;
  return inner?.section ? `${inner.section}.${inner.method}` : `${tx.method.section}.${tx.method.method}`;
}

function u64LittleEndianHex(value: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return `0x${bytes.toString('hex')}`;
}
