/**
 * The challenge's HTTP surface. Internal (the master calls these on the overlay network): `GET /health`,
 * `GET /version`, `GET /internal/v1/get_weights`. Public (miners reach them through the master's proxy at
 * `/challenges/<slug>/...`): `GET /task`, `POST /submissions`, `GET /leaderboard`.
 */
import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ChallengeConfig } from './config.ts';
import { isHotkey } from './hotkey.ts';
import { API_VERSION, CAPABILITIES, CHALLENGE_VERSION, SDK_VERSION } from './identity.ts';
import { scoreAnswer, taskFor } from './scoring.ts';
import type { ChallengeStore } from './store.ts';
import { bearerToken, readSharedToken, tokensMatch } from './token.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export interface AppDeps {
  config: Pick<ChallengeConfig, 'slug' | 'tokenFile' | 'epochSeconds'>;
  store: ChallengeStore;
  /** Unix ms; injectable for tests. */
  now?: () => number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, `content-type is ${JSON.stringify(type)}, expected application/json`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

export function createRequestHandler(deps: AppDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
  const task = taskFor(config.slug);

  function getWeights(req: IncomingMessage, res: ServerResponse): void {
    const expected = readSharedToken(config.tokenFile);
    if (expected === null) return send(res, 503, { error: 'no shared token is configured (CHALLENGE_SHARED_TOKEN_FILE)' });
    const presented = bearerToken(req.headers.authorization);
    if (presented === null || !tokensMatch(presented, expected)) {
      return send(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
    }
    const named = req.headers['x-base-challenge-slug'];
    if (named !== undefined && named !== config.slug) {
      return send(res, 400, { error: `X-Base-Challenge-Slug names ${JSON.stringify(String(named))}, this challenge is ${JSON.stringify(config.slug)}` });
    }
    const epoch = Math.floor(now() / 1000 / config.epochSeconds);
    send(res, 200, { challenge_slug: config.slug, epoch, weights: store.weights() });
  }

  async function submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object {hotkey, answer}');
    const { hotkey, answer } = body as Record<string, unknown>;
    if (!isHotkey(hotkey)) throw new HttpError(400, 'hotkey: expected an SS58 address (46-48 base58 characters)');
    if (typeof answer !== 'number' || !Number.isFinite(answer)) throw new HttpError(400, 'answer: expected a finite number');
    const score = scoreAnswer(task, answer);
    const saved = store.addSubmission(hotkey, answer, score, now());
    send(res, 201, { id: saved.id, hotkey, answer, score, task_id: task.task_id });
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://challenge.invalid');
    const route = `${req.method} ${url.pathname}`;
    try {
      switch (route) {
        case 'GET /health':
          return send(res, 200, { status: 'ok', slug: config.slug, version: CHALLENGE_VERSION });
        case 'GET /version':
          return send(res, 200, { api_version: API_VERSION, challenge_version: CHALLENGE_VERSION, sdk_version: SDK_VERSION, capabilities: [...CAPABILITIES] });
        case 'GET /internal/v1/get_weights':
          return getWeights(req, res);
        case 'GET /task':
          return send(res, 200, { challenge_slug: config.slug, ...task });
        case 'POST /submissions':
          return await submit(req, res);
        case 'GET /leaderboard': {
          const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 1000);
          return send(res, 200, { challenge_slug: config.slug, task_id: task.task_id, entries: store.leaderboard(limit) });
        }
        default: {
          const known = ['/health', '/version', '/internal/v1/get_weights', '/task', '/submissions', '/leaderboard'];
          if (known.includes(url.pathname)) return send(res, 405, { error: `method ${req.method} not allowed on ${url.pathname}` });
          return send(res, 404, { error: `no route ${url.pathname}` });
        }
      }
    } catch (error) {
      if (error instanceof HttpError) return send(res, error.status, { error: error.message });
      process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'request failed', route, error: (error as Error).message })}\n`);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  };
}

export function createChallengeServer(deps: AppDeps): Server {
  const handler = createRequestHandler(deps);
  const server = http.createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 65_000;
  return server;
}
