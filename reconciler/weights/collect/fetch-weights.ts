/**
 * One challenge's weights over HTTP: `GET <origin>/internal/v1/get_weights` with its bearer token, a timeout per
 * attempt, retries with backoff for transient failures, the body bounded while it streams.
 */
import pRetry from 'p-retry';
import { InvalidWeightsBodyError, parseWeightsBody, type ChallengeWeightsBody } from './parse-weights-body.ts';

export const GET_WEIGHTS_PATH = '/internal/v1/get_weights';
export const SLUG_HEADER = 'X-Base-Challenge-Slug';

export interface FetchWeightsOptions {
  /** Per attempt, covering connect, headers and body (default 10 s). */
  timeoutMs?: number;
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Backoff before the first retry, doubled after each (default 500 ms, at most `maxBackoffMs`, 4 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Largest body accepted (default 8 MiB); the download is cut as soon as it is passed. */
  maxBodyBytes?: number;
  /** Most hotkeys accepted (default 65,536). */
  maxHotkeys?: number;
  /** Stops every attempt and retry (e.g. the master shutting down). */
  signal?: AbortSignal;
}

type FetchConfig = Required<Omit<FetchWeightsOptions, 'signal'>>;

export const FETCH_DEFAULTS: Readonly<FetchConfig> = {
  timeoutMs: 10_000,
  attempts: 3,
  minBackoffMs: 500,
  maxBackoffMs: 4_000,
  maxBodyBytes: 8 * 1024 * 1024,
  maxHotkeys: 65_536,
};

export interface FetchWeightsTarget {
  slug: string;
  /** e.g. `http://challenge-<slug>:8000` (no trailing path). */
  origin: string;
  /** The challenge's shared token. Goes into the Authorization header and nowhere else. */
  token: string;
}

export type FetchWeightsResult =
  | ({ ok: true; slug: string; attempts: number; durationMs: number; bytes: number } & Omit<ChallengeWeightsBody, 'challengeSlug'>)
  | { ok: false; slug: string; attempts: number; durationMs: number; reason: string; status: number | null };

/** Why one attempt failed; `retryable` decides whether p-retry tries again. Never carries the token. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'AttemptError';
  }
}

/** 4xx means the request itself is wrong (bad token, unknown path): asking again will not help, except these. */
const RETRYABLE_4XX = new Set([408, 429]);

export async function fetchChallengeWeights(target: FetchWeightsTarget, options: FetchWeightsOptions = {}): Promise<FetchWeightsResult> {
  const { signal: _signal, ...given } = options;
  const config: FetchConfig = { ...FETCH_DEFAULTS, ...definedOnly(given) };
  const started = performance.now();
  let attempts = 0;
  const url = `${target.origin.replace(/\/+$/, '')}${GET_WEIGHTS_PATH}`;
  try {
    const body = await pRetry(
      async () => {
        attempts += 1;
        return attempt(url, target, config, options.signal);
      },
      {
        retries: Math.max(0, config.attempts - 1),
        minTimeout: config.minBackoffMs,
        maxTimeout: config.maxBackoffMs,
        factor: 2,
        randomize: false,
        signal: options.signal,
        unref: true,
        shouldRetry: ({ error }) => error instanceof AttemptError && error.retryable,
      },
    );
    const { challengeSlug: _slug, ...rest } = body;
    return { ok: true, slug: target.slug, attempts, durationMs: performance.now() - started, ...rest };
  } catch (error) {
    const reason = error instanceof AttemptError ? error.message : `collection stopped: ${(error as Error).message ?? String(error)}`;
    const status = error instanceof AttemptError ? error.status : null;
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    return { ok: false, slug: target.slug, attempts, durationMs: performance.now() - started, reason: `${reason} (${tries})`, status };
  }
}

async function attempt(
  url: string,
  target: FetchWeightsTarget,
  config: FetchConfig,
  outer: AbortSignal | undefined,
): Promise<ChallengeWeightsBody & { bytes: number }> {
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const signal = outer ? AbortSignal.any([timeout, outer]) : timeout;
  const describeAbort = (): AttemptError =>
    timeout.aborted
      ? new AttemptError(`timed out after ${config.timeoutMs} ms`, true)
      : new AttemptError('aborted', false);

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${target.token}`, [SLUG_HEADER]: target.slug, accept: 'application/json' },
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw describeAbort();
    throw new AttemptError(`cannot reach ${url}: ${transportMessage(error)}`, true);
  }

  try {
    if (response.status !== 200) {
      const retryable = response.status >= 500 || RETRYABLE_4XX.has(response.status);
      throw new AttemptError(`${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, expected 200`, retryable, response.status);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) {
      throw new AttemptError(`the body is ${declared} bytes (Content-Length), expected at most ${config.maxBodyBytes}`, false, response.status);
    }
    const { text, bytes } = await readBounded(response, config.maxBodyBytes).catch((error: unknown) => {
      if (error instanceof AttemptError) throw error;
      if (signal.aborted) throw describeAbort();
      throw new AttemptError(`reading the body from ${url} failed: ${transportMessage(error)}`, true, response.status);
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AttemptError(`the body is not valid JSON: ${(error as Error).message.slice(0, 160)}`, false, response.status);
    }
    try {
      return { ...parseWeightsBody(parsed, target.slug, config.maxHotkeys), bytes };
    } catch (error) {
      if (error instanceof InvalidWeightsBodyError) throw new AttemptError(`invalid body: ${error.message}`, false, response.status);
      throw error;
    }
  } finally {
    // Whatever was not read is not needed: free the connection.
    if (response.body && !response.bodyUsed) await response.body.cancel().catch(() => undefined);
  }
}

/** Reads the whole body, cancelling the download as soon as it passes `max` bytes. */
async function readBounded(response: Response, max: number): Promise<{ text: string; bytes: number }> {
  if (!response.body) return { text: '', bytes: 0 };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > max) {
      await reader.cancel().catch(() => undefined);
      throw new AttemptError(`the body passed ${max} bytes, expected at most ${max}; download cut`, false, response.status);
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks, bytes).toString('utf8'), bytes };
}

/** undici wraps the socket error as `cause`; its code says more than "fetch failed". */
function transportMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  return cause?.message ?? (error as Error).message ?? String(error);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
