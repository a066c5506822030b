/** Shared set-up of the epoch loop's unit tests: real local challenge servers, an SQLite store, a fresh key. */
import { randomBytes } from 'node:crypto';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import type { Keypair } from '@polkadot/util-crypto/types';
import { openStore, type ControlPlaneStore } from '../../store/index.ts';
import { randomHotkey, startChallengeServer, type TestChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import { staticMetagraphSource } from '../metagraph-source.ts';
import { WeightsEpochLoop, type EpochLoopConfig, type WeightsEpochLoopOptions } from '../weights-epoch-loop.ts';

export async function testKeypair(): Promise<Keypair> {
  await cryptoWaitReady();
  return sr25519PairFromSeed(randomBytes(32));
}

/** A challenge whose answer the test changes at will: weights, an HTTP status, or a 401 for a wrong token. */
export class ScriptedChallenge {
  weights: Record<string, number>;
  failWith: number | null = null;
  readonly token = randomBytes(16).toString('hex');
  private constructor(
    readonly slug: string,
    readonly server: TestChallengeServer,
    weights: Record<string, number>,
  ) {
    this.weights = weights;
  }

  static async start(slug: string, weights: Record<string, number>): Promise<ScriptedChallenge> {
    let self: ScriptedChallenge | null = null;
    const server = await startChallengeServer((req, res) => {
      const me = self!;
      if (req.headers.authorization !== `Bearer ${me.token}`) {
        res.statusCode = 401;
        return void res.end();
      }
      if (me.failWith !== null) {
        res.statusCode = me.failWith;
        return void res.end();
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ challenge_slug: me.slug, weights: me.weights }));
    });
    self = new ScriptedChallenge(slug, server, weights);
    return self;
  }

  get requests(): number {
    return this.server.requests.length;
  }
}

export interface Subnet {
  challenges: ScriptedChallenge[];
  /** hotkey → uid of every miner (uid 0 is the burn uid, never a miner here). */
  metagraph: Record<string, number>;
  hotkeys: string[];
  config: EpochLoopConfig;
  keypair: Keypair;
  loop(store: ControlPlaneStore, extra?: Partial<WeightsEpochLoopOptions>): WeightsEpochLoop;
  close(): Promise<void>;
}

/** Two challenges (a: 60 %, b: 30 %; 10 % burns) scoring the same six registered miners differently. */
export async function twoChallengeSubnet(): Promise<Subnet> {
  const hotkeys = Array.from({ length: 6 }, randomHotkey);
  const metagraph = Object.fromEntries(hotkeys.map((hotkey, index) => [hotkey, index + 1]));
  const a = await ScriptedChallenge.start('alpha', Object.fromEntries(hotkeys.map((h, i) => [h, i + 1])));
  const b = await ScriptedChallenge.start('beta', Object.fromEntries(hotkeys.slice(0, 3).map((h, i) => [h, 10 - i])));
  const challenges = [a, b];
  const config: EpochLoopConfig = {
    netuid: 7,
    chainEndpoint: 'ws://127.0.0.1:9944',
    epochIntervalSeconds: 360,
    challenges: [
      { slug: 'alpha', port: 8000, emissionPercent: 60 },
      { slug: 'beta', port: 8000, emissionPercent: 30 },
    ],
    desiredStateRevision: 'test-revision',
  };
  const keypair = await testKeypair();
  const bySlug = new Map(challenges.map((c) => [c.slug, c]));
  return {
    challenges,
    metagraph,
    hotkeys,
    config,
    keypair,
    loop: (store, extra = {}) =>
      new WeightsEpochLoop({
        store,
        keypair,
        metagraph: staticMetagraphSource(metagraph),
        config: () => config,
        tokens: async (slug) => bySlug.get(slug)?.token ?? null,
        originFor: ({ slug }) => bySlug.get(slug)!.server.origin,
        fetch: { attempts: 1, timeoutMs: 2_000 },
        retry: { minMs: 20, maxMs: 100 },
        ...extra,
      }),
    close: async () => {
      await Promise.all(challenges.map((c) => c.server.close()));
    },
  };
}

export function memoryStore(): Promise<ControlPlaneStore> {
  return openStore({ url: ':memory:', environment: 'development' });
}

/** An epoch far from now, so a run never waits for the real clock. */
export const EPOCH = 5_000_000;
export const farFuture = () => new Date(Date.now() + 60_000);
