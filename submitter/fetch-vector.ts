import pRetry, { AbortError } from 'p-retry';

export interface FetchOptions {
  timeoutMs: number;
  retries: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  maxBodyBytes: number;
}

/** Fetching the vector failed after every attempt; `attempts` says how many were made. */
export class FetchVectorError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'FetchVectorError';
  }
}

/** An answer that retrying cannot fix (a 4xx other than 408/429, or a body that is not JSON). */
class PermanentFetchError extends Error {}

export interface FetchedVector {
  body: unknown;
  attempts: number;
}

/**
 * GET the master's latest sealed vector (or another of its JSON documents: an epoch's inputs): a timeout per attempt, retries with exponential backoff on transport
 * failures, timeouts, 408/429 and 5xx (the master answers 503 before its first seal).
 */
export async function fetchLatestVector(url: string, options: FetchOptions): Promise<FetchedVector> {
  let attempts = 0;
  try {
    const body = await pRetry(
      async () => {
        attempts += 1;
        try {
          return await fetchOnce(url, options);
        } catch (error) {
          if (error instanceof PermanentFetchError) throw new AbortError(error.message);
          throw error;
        }
      },
      {
        retries: options.retries,
        minTimeout: options.minBackoffMs,
        maxTimeout: options.maxBackoffMs,
        factor: 2,
        randomize: true,
      },
    );
    return { body, attempts };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FetchVectorError(`GET ${redactUrl(url)} failed after ${attempts} attempt(s): ${reason}`, attempts);
  }
}

async function fetchOnce(url: string, options: FetchOptions): Promise<unknown> {
  const { target, headers } = splitCredentials(url);
  let response: Response;
  try {
    response = await fetch(target, {
      headers,
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new Error(describeTransportError(error, options.timeoutMs));
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    const message = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(message);
    throw new PermanentFetchError(message);
  }
  let text: string;
  try {
    text = await readLimited(response, options.maxBodyBytes);
  } catch (error) {
    if (error instanceof PermanentFetchError) throw error;
    throw new Error(describeTransportError(error, options.timeoutMs));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PermanentFetchError('the body is not JSON');
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new PermanentFetchError(`the body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new PermanentFetchError(`the body exceeds the limit of ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeTransportError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? 'fetch failed'} (${cause})` : (e?.message ?? String(error));
}

/** fetch() refuses `user:pass@` URLs (and echoes them in its error): send them as a Basic header instead. */
function splitCredentials(url: string): { target: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { accept: 'application/json' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PermanentFetchError('the weights URL is not a valid URL');
  }
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  return { target: parsed.toString(), headers };
}

/** URLs may carry credentials (`https://user:pass@host`); never log them. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    parsed.search = parsed.search ? '?…' : '';
    return parsed.toString();
  } catch {
    return '(invalid url)';
  }
}
