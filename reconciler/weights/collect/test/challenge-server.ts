/** Real HTTP servers on 127.0.0.1 (ephemeral ports) standing in for challenges in the collection tests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { encodeAddress } from '@polkadot/util-crypto';

export interface TestChallengeServer {
  origin: string;
  /** Requests received so far, with the headers that matter. */
  readonly requests: Array<{ path: string; authorization: string | undefined; slug: string | undefined }>;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, requestNumber: number) => void | Promise<void>;

export async function startChallengeServer(handler: Handler): Promise<TestChallengeServer> {
  const requests: TestChallengeServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({
      path: req.url ?? '',
      authorization: req.headers.authorization,
      slug: req.headers['x-base-challenge-slug'] as string | undefined,
    });
    Promise.resolve(handler(req, res, requests.length)).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers like a well-behaved challenge after `delayMs`, checking the bearer token when one is given. */
export function weightsHandler(slug: string, weights: Record<string, unknown>, options: { delayMs?: number; token?: string; epoch?: number } = {}): Handler {
  return async (req, res) => {
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (req.url !== '/internal/v1/get_weights') {
      res.statusCode = 404;
      return void res.end('not found');
    }
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.statusCode = 401;
      return void res.end('{"detail":"unauthorized"}');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ challenge_slug: slug, ...(options.epoch !== undefined ? { epoch: options.epoch } : {}), weights }));
  };
}

/** A random SS58 address (prefix 42), like a miner's hotkey. */
export function randomHotkey(): string {
  return encodeAddress(randomBytes(32), 42);
}

export function randomWeights(count: number): Record<string, number> {
  const weights: Record<string, number> = {};
  for (let i = 0; i < count; i++) weights[randomHotkey()] = Math.random();
  return weights;
}
