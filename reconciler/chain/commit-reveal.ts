/**
 * The chain side of commit-reveal: what the runtime offers (from its metadata), the state a commit is planned from,
 * the calls, and the commit queues. Decisions (which round, when to reveal, revealed or dropped) are not made here.
 */
import type { ApiPromise } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex } from '@polkadot/util-crypto';

/** Which commit-reveal calls the connected runtime has. */
export interface CommitRevealCapabilities {
  /** `commit_timelocked_weights` (CRv4, spec >= 299) and the Drand pallet it needs. */
  timelocked: boolean;
  /** `commit_weights` + `reveal_weights` (CRv2). */
  hash: boolean;
}

export function commitRevealCapabilities(api: ApiPromise): CommitRevealCapabilities {
  const tx = api.tx.subtensorModule;
  return {
    timelocked: Boolean(tx?.commitTimelockedWeights && api.query.drand?.lastStoredRound),
    hash: Boolean(tx?.commitWeights && tx?.revealWeights),
  };
}

/** The numbers a commit is planned from, read at one block. Absent storage items (older runtimes) are null. */
export interface CommitRevealReading {
  block: { number: number; hash: string };
  /** Timestamp.Now of that block, unix milliseconds. */
  timestampMs: number;
  capabilities: CommitRevealCapabilities;
  tempo: number;
  revealPeriodEpochs: number;
  /** CommitRevealWeightsVersion: what `commit_timelocked_weights` must pass. */
  commitRevealVersion: number | null;
  /** Runtimes with dynamic tempo (spec >= 423) expose these; older ones count epochs with the legacy formula. */
  epoch: {
    /** SubnetInfoRuntimeApi.get_next_epoch_start_block, when the runtime has it. */
    nextEpochStartFromRuntimeApi: number | null;
    lastEpochBlock: number | null;
    /** An owner-triggered epoch (0 = none). */
    pendingEpochAt: number | null;
    subnetEpochIndex: number | null;
  };
  /** Drand.LastStoredRound: the newest beacon pulse on chain. */
  lastStoredRound: bigint | null;
}

interface Codec {
  toString(): string;
}
const num = (value: unknown) => Number((value as Codec).toString());

export async function readCommitRevealState(api: ApiPromise, netuid: number, blockHash?: string): Promise<CommitRevealReading> {
  const hash = blockHash ?? (await api.rpc.chain.getHeader()).hash.toHex();
  const [header, at] = await Promise.all([api.rpc.chain.getHeader(hash), api.at(hash)]);
  const m = at.query.subtensorModule!;
  const optional = async <T>(read: (() => Promise<unknown>) | undefined, map: (value: unknown) => T): Promise<T | null> =>
    read ? map(await read()) : null;
  const [now, tempo, revealPeriod, version, lastEpochBlock, pendingEpochAt, epochIndex, lastStoredRound, fromRuntimeApi] = await Promise.all([
    at.query.timestamp!.now!(),
    m.tempo!(netuid),
    m.revealPeriodEpochs!(netuid),
    optional(m.commitRevealWeightsVersion && (() => m.commitRevealWeightsVersion!()), num),
    optional(m.lastEpochBlock && (() => m.lastEpochBlock!(netuid)), num),
    optional(m.pendingEpochAt && (() => m.pendingEpochAt!(netuid)), num),
    optional(m.subnetEpochIndex && (() => m.subnetEpochIndex!(netuid)), num),
    optional(at.query.drand?.lastStoredRound && (() => at.query.drand!.lastStoredRound!()), (v) => BigInt((v as Codec).toString())),
    nextEpochStartFromRuntimeApi(at as unknown as RuntimeCalls, netuid),
  ]);
  return {
    block: { number: header.number.toNumber(), hash },
    timestampMs: num(now),
    capabilities: commitRevealCapabilities(api),
    tempo: num(tempo),
    revealPeriodEpochs: num(revealPeriod),
    commitRevealVersion: version,
    epoch: { nextEpochStartFromRuntimeApi: fromRuntimeApi, lastEpochBlock, pendingEpochAt, subnetEpochIndex: epochIndex },
    lastStoredRound,
  };
}

interface RuntimeCalls {
  call?: { subnetInfoRuntimeApi?: { getNextEpochStartBlock?: (netuid: number) => Promise<unknown> } };
}

async function nextEpochStartFromRuntimeApi(at: RuntimeCalls, netuid: number): Promise<number | null> {
  const call = at.call?.subnetInfoRuntimeApi?.getNextEpochStartBlock;
  if (!call) return null;
  const option = (await call(netuid)) as { isSome: boolean; unwrap(): Codec };
  return option.isSome ? num(option.unwrap()) : null;
}

/** A commit-reveal extrinsic, before it is bound to an API. */
export type CommitRevealCall =
  | { kind: 'commit_timelocked'; netuid: number; commit: Uint8Array; revealRound: bigint; commitRevealVersion: number }
  | { kind: 'commit_hash'; netuid: number; commitHash: string }
  | { kind: 'reveal_hash'; netuid: number; uids: readonly number[]; values: readonly number[]; salt: readonly number[]; versionKey: bigint };

/**
 * Method and arguments of a call, for `api.tx` or for a registry decorated from offline metadata. The timelocked
 * commit goes as 0x-hex: `@polkadot/api` takes a Uint8Array for a `Bytes` argument as already length-prefixed SCALE
 * and would mis-encode the ciphertext.
 */
export function callArguments(call: CommitRevealCall): { section: 'subtensorModule'; method: string; args: unknown[] } {
  switch (call.kind) {
    case 'commit_timelocked':
      return {
        section: 'subtensorModule',
        method: 'commitTimelockedWeights',
        args: [call.netuid, u8aToHex(call.commit), call.revealRound, call.commitRevealVersion],
      };
    case 'commit_hash':
      return { section: 'subtensorModule', method: 'commitWeights', args: [call.netuid, call.commitHash] };
    case 'reveal_hash':
      return { section: 'subtensorModule', method: 'revealWeights', args: [call.netuid, [...call.uids], [...call.values], [...call.salt], call.versionKey] };
  }
}

type CallFactory = (...args: unknown[]) => { method: { toHex(): string } } | { toHex(): string };

/** The extrinsic for `call` on this API (unsigned). */
export function commitRevealExtrinsic(api: ApiPromise, call: CommitRevealCall) {
  const { section, method, args } = callArguments(call);
  const factory = api.tx[section]?.[method];
  if (!factory) throw new Error(`the runtime has no ${section}.${method}`);
  return factory(...args);
}

/** The encoded call (what would be signed), as 0x-hex. */
export function encodedCall(api: ApiPromise, call: CommitRevealCall): string {
  const extrinsic = commitRevealExtrinsic(api, call) as unknown as ReturnType<CallFactory>;
  return 'method' in extrinsic ? extrinsic.method.toHex() : extrinsic.toHex();
}

/** One of the hotkey's open hash commits, as the chain keeps it (WeightCommits). */
export interface OpenHashCommit {
  hash: string;
  commitBlock: number;
  /** The reveal window the chain recorded, when this runtime records one. */
  firstRevealBlock: number | null;
  lastRevealBlock: number | null;
}

export async function readHashCommits(api: ApiPromise, netuid: number, hotkey: string): Promise<OpenHashCommit[]> {
  const value = (await api.query.subtensorModule!.weightCommits!(netuid, hotkey)) as unknown as {
    isSome: boolean;
    unwrap(): Array<Codec[]>;
  };
  if (!value.isSome) return [];
  return value.unwrap().map((entry) => {
    const [hash, commitBlock, first, last] = entry;
    return {
      hash: hash!.toString(),
      commitBlock: num(commitBlock),
      firstRevealBlock: first === undefined ? null : num(first),
      lastRevealBlock: last === undefined ? null : num(last),
    };
  });
}

/** Whether `hotkey`'s timelocked commit with this blake2_256 hash is still queued on the subnet (any epoch). */
export async function isTimelockedCommitQueued(api: ApiPromise, netuidIndex: number, hotkey: string, commitHash: string, blockHash: string): Promise<boolean> {
  const at = await api.at(blockHash);
  const entries = await at.query.subtensorModule!.timelockedWeightCommits!.entries(netuidIndex);
  for (const [, queue] of entries) {
    for (const entry of queue as unknown as Array<[Codec, Codec, { toU8a(bare: boolean): Uint8Array }, Codec]>) {
      const [who, , commit] = entry;
      if (who.toString() === hotkey && blake2AsHex(commit.toU8a(true), 256) === commitHash) return true;
    }
  }
  return false;
}
