// Shared by the submitter's tests: a test master key, sealed vectors, config files, a served vector, a counting chain.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import type { Keypair } from '@polkadot/util-crypto/types';
import type { CommitRevealCall, CommitRevealReading, OpenHashCommit } from '../../reconciler/chain/commit-reveal.ts';
import type { ObservedBlock } from '../../reconciler/chain/events.ts';
import type { SetWeightsCall, SubmitOutcome, WeightSettingState } from '../../reconciler/chain/weight-setting.ts';
import { aggregateChallengeWeights, buildVector, sealVector } from '../../reconciler/weights/index.ts';
import type { SealedVector } from '../../reconciler/weights/index.ts';
import { parseSubmitterConfig } from '../config.ts';
import type { SubmitterConfig } from '../config.ts';
import type { ChainAccess } from '../report.ts';

await cryptoWaitReady();

/** The test master's signing key (never a real one). */
export const masterKey: Keypair = sr25519PairFromSeed(new Uint8Array(32).fill(7));
export const intruderKey: Keypair = sr25519PairFromSeed(new Uint8Array(32).fill(9));
export const masterPublicHex = u8aToHex(masterKey.publicKey);

/** A dev mnemonic used only in tests. */
export const TEST_MNEMONIC = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

export interface VectorSpec {
  netuid: number;
  epoch?: number;
  /** hotkey → uid of the (test) metagraph; the scores put weight on every uid but 0. */
  hotkeyToUid: Record<string, number>;
  scores?: Record<string, number>;
  computedAt?: Date;
  expiresAfterSeconds?: number;
  signer?: Keypair;
}

/** A vector as the master would seal it for these miners. */
export async function sealedVector(spec: VectorSpec): Promise<SealedVector> {
  const scores = spec.scores ?? Object.fromEntries(Object.keys(spec.hotkeyToUid).map((hotkey, i) => [hotkey, i + 1]));
  const aggregation = aggregateChallengeWeights(
    [{ slug: 'alpha', emission_percent: 100, weights: scores, ok: true }],
    spec.hotkeyToUid,
  );
  const epoch = spec.epoch ?? 1000;
  const unsealed = buildVector({
    netuid: spec.netuid,
    chainEndpoint: 'ws://127.0.0.1:9944',
    epoch,
    aggregation,
    options: {},
    sources: [{ slug: 'alpha', emissionPercent: 100, outcome: { kind: 'fresh' }, snapshotDigest: 'a'.repeat(64), hotkeyCount: Object.keys(scores).length }],
    metagraph: { source: 'chain', blockNumber: 1, blockHash: `0x${'ab'.repeat(32)}`, hotkeyCount: Object.keys(spec.hotkeyToUid).length, updatedAt: new Date() },
    desiredStateRevision: null,
    computedAt: spec.computedAt ?? new Date(),
    ...(spec.expiresAfterSeconds === undefined ? {} : { expiresAfterSeconds: spec.expiresAfterSeconds }),
  });
  return sealVector(unsealed, spec.signer ?? masterKey);
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `base-submitter-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeSecret(file: string, content: string, mode = 0o600): string {
  writeFileSync(file, `${content}\n`, { mode });
  chmodSync(file, mode); // the umask may have narrowed it
  return file;
}

/** A raw config object (as the YAML would hold it) with test defaults. */
export function rawConfig(dir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    weights_url: 'http://127.0.0.1:9/v1/weights/latest',
    netuid: 2,
    chain_endpoint: 'ws://127.0.0.1:9944',
    hotkey: { seed_file: 'hotkey.seed' },
    master_public_key: masterPublicHex,
    state_dir: 'state',
    http: { timeout_seconds: 2, retries: 1, min_backoff_seconds: 0.01, max_backoff_seconds: 0.05 },
    ...overrides,
    ...(overrides.http ? { http: overrides.http } : {}),
  };
}

export function testConfig(dir: string, overrides: Record<string, unknown> = {}): SubmitterConfig {
  return parseSubmitterConfig(rawConfig(dir, overrides), path.join(dir, 'submitter.yaml'));
}

export function writeConfig(dir: string, overrides: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'submitter.json');
  writeFileSync(file, JSON.stringify(rawConfig(dir, overrides), null, 2));
  return file;
}

/** Serves whatever `current()` returns at /v1/weights/latest on an ephemeral loopback port. */
export async function serveVector(current: () => unknown): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    if (req.url !== '/v1/weights/latest') {
      res.writeHead(404).end();
      return;
    }
    const body = current();
    if (body === undefined) {
      res.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/weights/latest`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A chain that answers from a fixed state and records every call (to prove a refusal never reached it). Commit-reveal
 * reads answer from `commitReveal`, `blocks`, `openHashCommits` and `queued`, which tests set as they need.
 */
export class RecordingChain implements ChainAccess {
  readonly reads: Array<{ netuid: number; hotkey: string }> = [];
  readonly submissions: SetWeightsCall[] = [];
  readonly commitRevealSubmissions: CommitRevealCall[] = [];
  commitReveal: CommitRevealReading | undefined;
  blocks: ObservedBlock[] = [];
  openHashCommits: OpenHashCommit[] = [];
  queued = false;

  constructor(
    public state: WeightSettingState = permissiveState(),
    public outcome: SubmitOutcome = { status: 'included', extrinsicHash: '0x01', blockHash: `0x${'cd'.repeat(32)}`, blockNumber: 42 },
  ) {}

  async readState(netuid: number, hotkey: string): Promise<WeightSettingState> {
    this.reads.push({ netuid, hotkey });
    return this.state;
  }

  async submit(call: SetWeightsCall): Promise<SubmitOutcome> {
    this.submissions.push(call);
    return this.outcome;
  }

  async readCommitReveal(): Promise<CommitRevealReading> {
    if (!this.commitReveal) throw new Error('RecordingChain: no commit-reveal state set');
    return this.commitReveal;
  }

  async encodeCall(call: CommitRevealCall): Promise<string> {
    return `0x${Buffer.from(call.kind).toString('hex')}`;
  }

  async submitCommitReveal(call: CommitRevealCall): Promise<SubmitOutcome> {
    this.commitRevealSubmissions.push(call);
    return this.outcome;
  }

  async head(): Promise<{ number: number; hash: string }> {
    return this.state.block;
  }

  async readBlocks(from: number, to: number): Promise<ObservedBlock[]> {
    return this.blocks.filter((b) => b.number >= from && b.number <= to);
  }

  async hashCommits(): Promise<OpenHashCommit[]> {
    return this.openHashCommits;
  }

  async timelockedCommitQueued(): Promise<boolean> {
    return this.queued;
  }

  get touched(): boolean {
    return this.reads.length > 0 || this.submissions.length > 0 || this.commitRevealSubmissions.length > 0;
  }
}

export function permissiveState(overrides: Partial<WeightSettingState> = {}): WeightSettingState {
  return {
    block: { number: 100, hash: `0x${'ef'.repeat(32)}` },
    subnetExists: true,
    uid: 1,
    subnetworkN: 16,
    commitRevealEnabled: false,
    weightsSetRateLimit: 0n,
    lastUpdate: 0n,
    weightsVersionKey: 0n,
    minAllowedWeights: 1,
    maxWeightLimit: 65535,
    validatorPermit: true,
    ...overrides,
  };
}

/** drand quicknet round 1000 is published at this instant (unix ms). */
export const ROUND_1000_AT_MS = (1692803367 + 999 * 3) * 1000;

/**
 * Commit-reveal state of a legacy-schedule runtime (tempo 10, netuid 2, RP 1) at block 10, timed so that a
 * timelocked commit sent now is planned for drand round 1000 (whose real pulse is in the fixtures): the commit lands
 * in block 11, the window is 19..29, the round is aimed at block 22 = 12 blocks of 12 s after the head.
 */
export function commitRevealReading(overrides: Partial<CommitRevealReading> = {}): CommitRevealReading {
  return {
    block: { number: 10, hash: `0x${'0a'.repeat(32)}` },
    timestampMs: ROUND_1000_AT_MS - 12 * 12_000 + 1_000,
    capabilities: { timelocked: true, hash: true },
    tempo: 10,
    revealPeriodEpochs: 1,
    commitRevealVersion: 7,
    epoch: { nextEpochStartFromRuntimeApi: null, lastEpochBlock: null, pendingEpochAt: null, subnetEpochIndex: null },
    lastStoredRound: 950n,
    ...overrides,
  };
}

/** A chain that forwards to `chain` except for `overrides` (a class instance cannot simply be spread). */
export function delegatingChain(chain: ChainAccess, overrides: Partial<ChainAccess> = {}): ChainAccess {
  return {
    readState: (netuid, hotkey) => chain.readState(netuid, hotkey),
    submit: (call) => chain.submit(call),
    readCommitReveal: (netuid, blockHash) => chain.readCommitReveal(netuid, blockHash),
    encodeCall: (call) => chain.encodeCall(call),
    submitCommitReveal: (call) => chain.submitCommitReveal(call),
    head: () => chain.head(),
    readBlocks: (from, to) => chain.readBlocks(from, to),
    hashCommits: (netuid, hotkey) => chain.hashCommits(netuid, hotkey),
    timelockedCommitQueued: (netuidIndex, hotkey, commitHash, blockHash) => chain.timelockedCommitQueued(netuidIndex, hotkey, commitHash, blockHash),
    ...overrides,
  };
}
