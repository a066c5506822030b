/**
 * The deployed master's own weights epoch loop: tokens from a directory of per-slug files (the Swarm secrets the
 * reconciler mounts at /run/secrets/base/tokens/<slug>), the signing key from its secret file, the store the master
 * uses, the development_metagraph in development and the chain reader in production.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiPromise } from '@polkadot/api';
import { ChainConnectionError, connectSubtensor } from '../chain/connect.ts';
import { chainMetagraphCache } from '../chain/metagraph.ts';
import type { SubnetDesiredState } from '../desired-state/index.ts';
import { openStore, StoreConfigError, StoreUnavailableError, type ControlPlaneStore } from '../store/index.ts';
import { productionOrigin, type CollectableChallenge, type TokenSource } from '../weights/collect/index.ts';
import {
  chainMetagraphSource,
  epochLoopConfig,
  staticMetagraphSource,
  WeightsEpochLoop,
  type MetagraphSource,
  type WeightsEvent,
} from '../epoch/index.ts';
import { loadSigningKey, SigningKeyError } from '../weights/signing-key.ts';
import type { MasterConfig } from './config.ts';
import { DesiredSource } from './desired-source.ts';
import type { WeightsLoopHealth } from './health.ts';
import { jsonLog, type MasterLog } from './log.ts';
import type { WeightsReader } from './weights-reader.ts';

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
export async function startWeightsLoop(options: WeightsLoopOptions): Promise<ServeWeightsLoop | { skipped: string; degraded?: boolean }> {
  const initial = options.desired.current().state;
  if (initial === null) return { skipped: `no valid desired state (${options.desired.current().error ?? 'not loaded'})` };
  const environment = initial.subnet.environment;
  if (options.storeUrl === null && (environment !== 'development' || options.stateDir === null)) {
    return { skipped: 'no store configured (BASE_DATABASE_URL_FILE or BASE_DATABASE_URL, or a state folder in development)', degraded: environment === 'production' };
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

export type WeightsLoopStarter = (attempt: number) => Promise<ServeWeightsLoop | { skipped: string; degraded?: boolean }>;

export interface SuperviseOptions {
  /** One start attempt (1-based); a rejection is retried, a `skipped` answer is final. */
  start: WeightsLoopStarter;
  log: MasterLog;
  /** First delay between attempts (doubles each time). Default 1 s. */
  initialDelayMs?: number;
  /** Cap of the delay between attempts. Default 60 s. */
  maxDelayMs?: number;
  /** Called once the loop runs (e.g. to start following desired-state edits); its return is called on stop. */
  onStarted?: (started: ServeWeightsLoop) => (() => void) | void;
}

export interface SupervisedWeightsLoop {
  /** The running loop (a WeightsReader), null until a start attempt succeeded. */
  reader(): WeightsReader | null;
  status(): WeightsLoopHealth;
  /** Resolves once the loop runs, is disabled, or the supervisor stopped (tests, start-up ordering). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs start attempts until one succeeds: a store or chain that is unreachable when the master starts only delays
 * the loop. Each failure is one JSON log line (`weights-loop-start-failed`: a fixed code, an errno-like detail, the
 * message with every URL replaced) and shows on /health (code and errno only) until the loop runs. Stops retrying on
 * `stop()`.
 */
export function superviseWeightsLoop(options: SuperviseOptions): SupervisedWeightsLoop {
  const initialDelayMs = options.initialDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  let status: WeightsLoopHealth = { state: 'starting', code: null, detail: null, attempts: 0, nextAttemptAt: null, degraded: false };
  let running: ServeWeightsLoop | null = null;
  let onStop: (() => void) | void;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let settle: () => void = () => undefined;
  const settledPromise = new Promise<void>((resolve) => (settle = resolve));

  const attempt = async (): Promise<void> => {
    timer = null;
    const number = status.attempts + 1;
    status = { ...status, attempts: number, nextAttemptAt: null };
    let result: Awaited<ReturnType<WeightsLoopStarter>>;
    try {
      result = await options.start(number);
    } catch (error) {
      if (stopped) return settle();
      const { code, detail, message } = classifyStartError(error);
      const delay = Math.min(initialDelayMs * 2 ** (number - 1), maxDelayMs);
      status = { state: 'retrying', code, detail, attempts: number, nextAttemptAt: new Date(Date.now() + delay).toISOString(), degraded: true };
      options.log.event('weights-loop-start-failed', { code, detail, error: message, attempt: number, retry_in_ms: delay });
      timer = setTimeout(() => void (inFlight = attempt()), delay);
      timer.unref();
      return;
    }
    if ('skipped' in result) {
      status = { state: 'disabled', code: 'skipped', detail: result.skipped, attempts: number, nextAttemptAt: null, degraded: result.degraded === true };
      options.log.event('weights-loop-disabled', { reason: result.skipped });
      return settle();
    }
    if (stopped) {
      await result.stop();
      return settle();
    }
    running = result;
    onStop = options.onStarted?.(result);
    status = { state: 'running', code: null, detail: null, attempts: number, nextAttemptAt: null, degraded: false };
    options.log.event('weights-loop-started', { attempt: number });
    settle();
  };
  inFlight = attempt();

  return {
    reader: () => running?.loop ?? null,
    status: () => status,
    settled: () => settledPromise,
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await inFlight;
      if (onStop) onStop();
      if (running !== null) await running.stop();
      running = null;
      status = { ...status, state: 'stopped', nextAttemptAt: null, degraded: false };
      settle();
    },
  };
}

/** The desired-state file is not valid (yet) when the loop starts: retried, the file may be fixed meanwhile. */
export class DesiredStateUnavailableError extends Error {}

/**
 * A fixed code per kind of failure, an errno-like detail (both for /health), and for the log the message's first line
 * with every URL (a store or chain address, possibly with a password) replaced by <url>.
 */
export function classifyStartError(error: unknown): { code: string; detail: string | null; message: string } {
  const code =
    error instanceof StoreUnavailableError ? 'store-unavailable'
    : error instanceof StoreConfigError ? 'store-config'
    : error instanceof ChainConnectionError ? 'chain-unreachable'
    : error instanceof SigningKeyError ? 'signing-key'
    : error instanceof DesiredStateUnavailableError ? 'desired-state'
    : 'start-failed';
  const text = error instanceof Error ? error.message : String(error);
  const message = (text.split('\n')[0] ?? '').replace(/[a-z][a-z0-9+.-]*:\/\/\S*/gi, '<url>').slice(0, 300);
  return { code, detail: errnoOf(error), message };
}

function errnoOf(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const own = (current as NodeJS.ErrnoException).code;
    if (typeof own === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(own)) return own;
    const named = /\b(E[A-Z]{3,20})\b/.exec(current.message)?.[1];
    if (named) return named;
    if (/time(d)?\s*out/i.test(current.message)) return 'ETIMEDOUT';
  }
  return null;
}

/**
 * `base serve`'s loop: runs when the tokens directory and the signing key file are given and a store is configured;
 * otherwise null (the master serves the vectors already in the store). A start that fails is retried with backoff
 * while the master serves; the state is on /health.
 */
export function startServeWeightsLoop(
  config: MasterConfig,
  tokensDir: string | null,
  options: { log?: MasterLog; initialDelayMs?: number; maxDelayMs?: number } = {},
): SupervisedWeightsLoop | null {
  if (tokensDir === null || config.signingKeyFile === null) return null;
  const signingKeyFile = config.signingKeyFile;
  const log = options.log ?? jsonLog();
  const desired = new DesiredSource(config.desiredFile);
  return superviseWeightsLoop({
    log,
    ...(options.initialDelayMs !== undefined ? { initialDelayMs: options.initialDelayMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
    start: async () => {
      await desired.reload();
      if (desired.current().state === null) throw new DesiredStateUnavailableError(`no valid desired state (${desired.current().error ?? 'not loaded'})`);
      return startWeightsLoop({
        desired,
        tokensDir,
        signingKeyFile,
        storeUrl: config.storeUrl,
        stateDir: config.stateDir,
        upstreams: config.upstreams,
        onEvent: (event) => log.event(`weights-${event.type}`, eventFields(event)),
      });
    },
    onStarted: () => {
      // Follow desired-state edits (challenges added or retired) as the master does.
      const reload = setInterval(() => void desired.reload().catch(() => false), config.probeIntervalMs);
      reload.unref();
      return () => clearInterval(reload);
    },
  });
}

function eventFields(event: WeightsEvent): Record<string, string | number | boolean | null> {
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'type') continue;
    fields[key] = typeof value === 'object' && value !== null ? JSON.stringify(value) : (value as string | number | boolean | null);
  }
  return fields;
}
