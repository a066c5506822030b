/** Real loopback servers for the proxy tests: a recording upstream, the proxy itself, and a raw HTTP client. */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyHandler } from '../index.ts';
import type { ProxyEvent, ProxyOptions, UpstreamTarget } from '../index.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  remotePort: number;
}

export interface RecordingUpstream {
  origin: string;
  port: number;
  requests: RecordedRequest[];
  server: http.Server;
  close(): Promise<void>;
}

export type UpstreamBehaviour = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

const defaultBehaviour: UpstreamBehaviour = (req, res) => {
  const body = JSON.stringify({ ok: true, url: req.url });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

/** An upstream on 127.0.0.1 that records every request (after reading its body) and answers with `behaviour`. */
export async function startUpstream(behaviour: UpstreamBehaviour = defaultBehaviour): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        remotePort: req.socket.remotePort ?? 0,
      });
      behaviour(req, res, body);
    });
  });
  const port = await listen(server);
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    server,
    close: () => closeServer(server),
  };
}

export interface RunningProxy {
  url: string;
  port: number;
  events: ProxyEvent[];
  resolveCalls: string[];
  close(): Promise<void>;
}

/** The proxy handler in a real server on 127.0.0.1; `upstreams` maps slug → origin or target (missing slug → 404). */
export async function startProxy(
  upstreams: Record<string, string | UpstreamTarget>,
  options: Omit<Partial<ProxyOptions>, 'resolver'> = {},
): Promise<RunningProxy> {
  const events: ProxyEvent[] = [];
  const resolveCalls: string[] = [];
  const handler = createProxyHandler({
    ...options,
    resolver: {
      resolve(slug) {
        resolveCalls.push(slug);
        const target = Object.hasOwn(upstreams, slug) ? upstreams[slug] : undefined;
        return typeof target === 'string' ? { origin: target } : target;
      },
    },
    onEvent: (e) => events.push(e),
  });
  const server = http.createServer(handler);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events,
    resolveCalls,
    close: async () => {
      handler.close();
      await closeServer(server);
    },
  };
}

export interface SimpleResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface SendOptions {
  method?: string;
  /** Flat raw header list (duplicates allowed) or an object. */
  headers?: string[] | http.OutgoingHttpHeaders;
  body?: string | Buffer;
}

/**
 * One request on a fresh connection. `path` is written as is: characters above 0x7F must already be bytes
 * (latin1 string), see `wireBytes`.
 */
export function send(port: number, path: string, opts: SendOptions = {}): Promise<SimpleResponse> {
  let headers = opts.headers;
  // With a raw list Node adds no Host header; HTTP/1.1 servers require one.
  if (Array.isArray(headers) && !headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')) {
    headers = ['Host', `127.0.0.1:${port}`, ...headers];
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    // Node's client sends a DELETE/GET body without any framing unless told its length.
    if (opts.body !== undefined && !req.hasHeader('content-length') && !Array.isArray(opts.headers)) {
      req.setHeader('content-length', Buffer.byteLength(opts.body));
    }
    req.end(opts.body);
  });
}

/** A UTF-8 string as the one-char-per-byte string Node's HTTP client writes verbatim onto the wire. */
export function wireBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function listen(server: http.Server | import('node:net').Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function closeServer(server: http.Server | import('node:net').Server): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Waits until `predicate` holds (polling), failing after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 2_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
