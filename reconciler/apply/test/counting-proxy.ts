/**
 * A Docker API proxy on a unix socket that counts what passes through: every request is forwarded unchanged to the
 * real engine socket, and write calls (POST/PUT/DELETE) are recorded as "METHOD /path" (query strings dropped: they
 * never carry secrets here, but the path is all a count needs). Point a CLI at it with DOCKER_HOST=unix://<path>.
 */
import http from 'node:http';
import { rm } from 'node:fs/promises';

export interface CountingProxy {
  socketPath: string;
  /** Requests seen since the last reset. */
  requests(): string[];
  writes(): string[];
  reset(): void;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

export async function startCountingProxy(socketPath: string, upstreamSocket = '/var/run/docker.sock'): Promise<CountingProxy> {
  await rm(socketPath, { force: true });
  let seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    const upstream = http.request({ socketPath: upstreamSocket, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    requests: () => [...seen],
    writes: () => seen.filter((line) => WRITE_METHODS.has(line.split(' ')[0] ?? '')),
    reset: () => {
      seen = [];
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(socketPath, { force: true });
    },
  };
}
