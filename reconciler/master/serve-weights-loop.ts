/**
 * The deployed master's own weights epoch loop: tokens from a directory of per-slug files (the Swarm secrets the
 * reconciler mounts at /run/secrets/base/tokens/<slug>), the signing key from its secret file, the store the master
 * uses, the development_metagraph in development and the chain reader in production.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiPromise } from '@polkadot/api';
import { connectSubtensor } from '../chain/connect.ts';
import { chainMetagraphCache } from '../chain/metagraph.ts';
import type { SubnetDesiredState } from '../desired-state/index.ts';
import { openStore, type ControlPlaneStore } from '../store/index.ts';
import { productionOrigin, type CollectableChallenge, type TokenSource } from '../weights/collect/index.ts';
import {
  chainMetagraphSource,
  epochLoopConfig,
  staticMetagraphSource,
  WeightsEpochLoop,
  type MetagraphSource,
  type WeightsEvent,
} from '../weights/epoch/index.ts';
import { loadSigningKey } from '../weights/signing-key.ts';
import type { MasterConfig } from './config.ts';
import { DesiredSource } from './desired-source.ts';
import { jsonLog } from './log.ts';

export const CHALLENGE_TOKENS_DIR_ENV = 'BASE_CHALLENGE_TOKENS_DIR';
/** How long a chain metagraph read is reused by the loop. */
const METAGRAPH_TTL_MS = 60_000;

/** `<dir>/<slug>`: one file per challenge holding its shared token (a missing file: no token, that source fails). */
export function directoryTokens(dir: string): TokenSource {
  return async (slug) => {
    try {
      const value = (await readFile(path.join(dir, slug), 'utf8')).trim();
      return value === '' ? null : value;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read the token of challenge ${slug} from the tokens directory: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
}

export interface WeightsLoopOptions {
  desired: DesiredSource;
  tokensDir: string;
  signingKeyFile: string;
  storeUrl: string | null;
  stateDir: string | null;
  /** Static slug → origin map (`--upstream`); empty: `http://challenge-<slug>:<port>`. */
  upstreams: ReadonlyMap<string, string>;
  onEvent?: (event: WeightsEvent) => void;
}

export interface ServeWeightsLoop {
  loop: WeightsEpochLoop;
  stop(): Promise<void>;
}

/**
 * Starts the loop, or returns why it cannot run (no valid desired state, no store configured). Errors opening the
 * store, reading the key or connecting to the chain reject: the caller decides whether the master runs without it.
 */
export async function startWeightsLoop(options: WeightsLoopOptions): Promise<ServeWeightsLoop | { skipped: string }> {
  const initial = options.desired.current().state;
  if (initial === null) return { skipped: `no valid desired state (${options.desired.current().error ?? 'not loaded'})` };
  const environment = initial.subnet.environment;
  if (options.storeUrl === null && (environment !== 'development' || options.stateDir === null)) {
    return { skipped: 'no store configured (BASE_DATABASE_URL, or a state folder in development)' };
  }
  const keypair = await loadSigningKey(options.signingKeyFile);
  const store: ControlPlaneStore = await openStore({ url: options.storeUrl ?? undefined, environment, stateDir: options.stateDir ?? undefined });
  let api: ApiPromise | null = null;
  try {
    let metagraph: MetagraphSource;
    if (environment === 'production') {
      api = await connectSubtensor(initial.subnet.chain_endpoint);
      metagraph = chainMetagraphSource(chainMetagraphCache(api, METAGRAPH_TTL_MS), initial.subnet.netuid);
    } else {
      metagraph = staticMetagraphSource(initial.development_metagraph);
    }
    let lastGood: SubnetDesiredState = initial;
    const config = () => {
      // The master reloads its DesiredSource; the loop follows the newest valid state (challenges come and go).
      lastGood = options.desired.current().state ?? lastGood;
      return epochLoopConfig(lastGood, null);
    };
    const originFor = options.upstreams.size > 0 ? staticOrigin(options.upstreams) : undefined;
    const loop = new WeightsEpochLoop({
      store,
      keypair,
      metagraph,
      config,
      tokens: directoryTokens(options.tokensDir),
      ...(originFor ? { originFor } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    loop.start();
    const chain = api;
    return {
      loop,
      async stop() {
        await loop.stop();
        await store.close().catch(() => undefined);
        await chain?.disconnect().catch(() => undefined);
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    await (api as ApiPromise | null)?.disconnect().catch(() => undefined);
    throw error;
  }
}

/** The `--upstream` map first, the overlay name for a challenge it does not list. */
function staticOrigin(upstreams: ReadonlyMap<string, string>): (challenge: CollectableChallenge) => string {
  return (challenge) => upstreams.get(challenge.slug) ?? productionOrigin(challenge);
}

/**
 * `base serve`'s loop: runs when the tokens directory and the signing key file are given and a store is configured;
 * otherwise (or when it cannot start) null, logged, and the master serves the vectors already in the store.
 */
export async function startServeWeightsLoop(config: MasterConfig, tokensDir: string | null): Promise<ServeWeightsLoop | null> {
  if (tokensDir === null || config.signingKeyFile === null) return null;
  const log = jsonLog();
  const desired = new DesiredSource(config.desiredFile);
  await desired.reload();
  const started = await startWeightsLoop({
    desired,
    tokensDir,
    signingKeyFile: config.signingKeyFile,
    storeUrl: config.storeUrl,
    stateDir: config.stateDir,
    upstreams: config.upstreams,
    onEvent: (event) => log.event(`weights-${event.type}`, eventFields(event)),
  }).catch((error: unknown) => ({ skipped: error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : 'error' }));
  if ('skipped' in started) {
    log.event('weights-loop-disabled', { reason: started.skipped });
    return null;
  }
  log.event('weights-loop-started', { tokens_dir: tokensDir });
  // Follow desired-state edits (challenges added or retired) as the master does.
  const reload = setInterval(() => void desired.reload().catch(() => false), config.probeIntervalMs);
  reload.unref();
  return {
    loop: started.loop,
    async stop() {
      clearInterval(reload);
      await started.stop();
    },
  };
}

function eventFields(event: WeightsEvent): Record<string, string | number | boolean | null> {
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'type') continue;
    fields[key] = typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as string | number | boolean | null);
  }
  return fields;
}
