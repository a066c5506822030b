import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { classifyProxyPath } from './classify-path.ts';
import { clientResponseHeaders, isEventStream, isSignedMinerRoute, upstreamRequestHeaders } from './headers.ts';

export interface UpstreamTarget {
  /** `http://host:port` of the challenge service (no path). */
  origin: string;
}

export interface UpstreamResolver {
  /** undefined when the slug is unknown, inactive or draft (→ 404). */
  resolve(slug: string): UpstreamTarget | undefined;
}

export type ProxyOutcome =
  | 'forwarded' // upstream answered and the whole response reached the client
  | 'not-proxy' // not a /challenges/{slug} path (the handler answered 404)
  | 'malformed' // 400
  | 'blocked' // 403
  | 'not-found' // 404, unknown slug
  | 'too-large' // 413, or aborted after the response started
  | 'unavailable' // 502, transport failure before a response
  | 'aborted' // transport failure after the response started: client connection aborted
  | 'client-closed'; // the client went away first

export interface ProxyEvent {
  method: string;
  /** Set once the path named a slug. */
  slug: string | undefined;
  /** Status sent (or being sent) to the client; 0 when nothing was sent. */
  status: number;
  outcome: ProxyOutcome;
  durationMs: number;
  /** Time until the upstream response headers arrived, when they did. */
  upstreamMs: number | undefined;
  /** Short machine code of a transport failure (`ECONNREFUSED`, `ENOTFOUND`, `connect-timeout`…), never a message. */
  failure: string | undefined;
}

export interface ProxyOptions {
  resolver: UpstreamResolver;
  /** Request body limit in bytes; default 8 MiB. */
  maxBodyBytes?: number;
  /** TCP connect (and DNS) timeout for a new upstream connection; default 5 s. */
  connectTimeoutMs?: number;
  /** Inactivity timeout on the upstream socket while a request is in flight; default 60 s. There is no total timeout. */
  idleTimeoutMs?: number;
  /** Inactivity timeout once a `text/event-stream` response started; default 10 min. */
  streamIdleTimeoutMs?: number;
  /** Idle pooled upstream sockets are closed after this long (keep below the upstream's keep-alive timeout); default 4 s. */
  freeSocketTimeoutMs?: number;
  /** Connections per upstream origin; default 512. */
  maxSocketsPerUpstream?: number;
  /** `X-Forwarded-Proto` value; default `https` on TLS sockets, else `http`. Set it when a TLS terminator sits in front. */
  forwardedProto?: 'http' | 'https';
  /** Called once per request when its response is over (for metrics and logs). Must not throw. */
  onEvent?: (event: ProxyEvent) => void;
}

export interface ProxyHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Closes the pooled upstream connections. */
  close(): void;
}

const MiB = 1024 * 1024;
/** After an early answer, at most this much of an unread request body is drained before the socket is cut. */
const DISCARD_LIMIT_BYTES = 16 * MiB;
const DISCARD_LIMIT_MS = 10_000;

function jsonBody(detail: string): Buffer {
  return Buffer.from(JSON.stringify({ detail }));
}
const BODY_NOT_FOUND = jsonBody('Not found');
const BODY_MALFORMED = jsonBody('Malformed proxy path');
const BODY_BLOCKED = jsonBody('Proxy path is not allowed');
const BODY_NO_CHALLENGE = jsonBody('Challenge not found');
const BODY_TOO_LARGE = jsonBody('Request body too large');
const BODY_UNAVAILABLE = jsonBody('Challenge unavailable');

interface ParsedOrigin {
  hostname: string;
  port: number;
  hostHeader: string;
}

class TransportFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Retrying a request is safe only when it carried no body and failed on a pooled socket the upstream had closed. */
const RETRYABLE_ON_REUSED_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * A keep-alive agent whose timeout applies to idle pooled sockets only (the agent's own `timeout` option would also
 * cut connects and in-flight requests). Node's agent destroys a pooled socket when its timeout fires.
 */
class PoolAgent extends http.Agent {
  constructor(
    private readonly freeSocketTimeoutMs: number,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override keepSocketAlive(socket: Socket): boolean {
    // @types/node declares void; Node returns whether the socket goes back to the pool.
    const keep = super.keepSocketAlive(socket) as unknown as boolean;
    if (keep) socket.setTimeout(this.freeSocketTimeoutMs);
    return keep;
  }
}

interface ProxyContext {
  resolver: UpstreamResolver;
  maxBodyBytes: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  streamIdleTimeoutMs: number;
  forwardedProto: 'http' | 'https' | undefined;
  onEvent: ((event: ProxyEvent) => void) | undefined;
  agent: http.Agent;
  parseOrigin(origin: string): ParsedOrigin | undefined;
}

export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  const agent = new PoolAgent(options.freeSocketTimeoutMs ?? 4_000, {
    keepAlive: true,
    keepAliveMsecs: 1_000,
    maxSockets: options.maxSocketsPerUpstream ?? 512,
    maxFreeSockets: options.maxSocketsPerUpstream ?? 512,
    scheduling: 'lifo',
  });
  const origins = new Map<string, ParsedOrigin | null>();
  const ctx: ProxyContext = {
    resolver: options.resolver,
    maxBodyBytes: options.maxBodyBytes ?? 8 * MiB,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? 600_000,
    forwardedProto: options.forwardedProto,
    onEvent: options.onEvent,
    agent,
    parseOrigin(origin) {
      let parsed = origins.get(origin);
      if (parsed === undefined) {
        parsed = parseHttpOrigin(origin) ?? null;
        if (origins.size > 4096) origins.clear();
        origins.set(origin, parsed);
      }
      return parsed ?? undefined;
    },
  };
  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    new Exchange(ctx, req, res).start();
  }) as ProxyHandler;
  handler.close = () => agent.destroy();
  return handler;
}

function parseHttpOrigin(origin: string): ParsedOrigin | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' || url.hostname === '' || url.username !== '' || url.password !== '') return undefined;
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return { hostname, port: url.port === '' ? 80 : Number(url.port), hostHeader: url.host };
  } catch {
    return undefined;
  }
}

/**
 * One proxied request. A class rather than closures: the hot path then allocates one object per request, and
 * tsx's keep-names wrapper is not applied to per-request functions.
 */
class Exchange {
  private readonly started = performance.now();
  private slug: string | undefined;
  private outcome: ProxyOutcome = 'client-closed';
  private upstreamMs: number | undefined;
  private failure: string | undefined;
  /** A final decision was taken (response complete, 413, 502 or abort): later upstream events are ignored. */
  private done = false;
  private hasBody = false;
  private upstreamReq: http.ClientRequest | undefined;
  private origin!: ParsedOrigin;
  private path = '';
  private headers: string[] = [];

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  start(): void {
    const { req, res, ctx } = this;
    res.once('close', () => this.onClientClose());

    const cls = classifyProxyPath(req.url ?? '');
    switch (cls.kind) {
      case 'not-proxy':
        return this.early(404, BODY_NOT_FOUND, 'not-proxy');
      case 'malformed':
        return this.early(400, BODY_MALFORMED, 'malformed');
      case 'blocked':
        return this.early(403, BODY_BLOCKED, 'blocked');
      case 'unknown-challenge':
        return this.early(404, BODY_NO_CHALLENGE, 'not-found');
      case 'forward':
        break;
    }
    const slug = cls.slug;
    this.slug = slug;

    let target: UpstreamTarget | undefined;
    try {
      target = ctx.resolver.resolve(slug);
    } catch {
      this.failure = 'resolver-error';
      return this.early(502, BODY_UNAVAILABLE, 'unavailable');
    }
    if (target === undefined) return this.early(404, BODY_NO_CHALLENGE, 'not-found');
    const origin = ctx.parseOrigin(target.origin);
    if (origin === undefined) {
      this.failure = 'bad-origin';
      return this.early(502, BODY_UNAVAILABLE, 'unavailable');
    }
    this.origin = origin;

    const raw = req.rawHeaders;
    let contentLength: string | undefined;
    let chunked = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = raw[i + 1];
      else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
    }
    // Node's parser already rejected conflicting or non-numeric lengths.
    if (!chunked && contentLength !== undefined && Number(contentLength) > ctx.maxBodyBytes) {
      return this.early(413, BODY_TOO_LARGE, 'too-large');
    }
    this.hasBody = chunked || (contentLength !== undefined && contentLength !== '0');

    this.headers = upstreamRequestHeaders({
      rawHeaders: raw,
      upstreamHost: origin.hostHeader,
      slug,
      clientAddress: req.socket.remoteAddress,
      forwardedProto: ctx.forwardedProto ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'),
      keepSignatureHeaders: isSignedMinerRoute(req.method, cls.segments),
    });
    // The incoming Transfer-Encoding is hop-by-hop and dropped, but the body still needs framing upstream: without
    // this, Node's client sends a GET/DELETE body unframed and the upstream would parse it as a second request.
    if (chunked) this.headers.push('Transfer-Encoding', 'chunked');
    this.path = cls.path + cls.query;

    if (chunked) {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > ctx.maxBodyBytes) this.onBodyTooLarge();
      });
    }
    // The upstream answered without reading the whole body: the rest is no one's. Drain it so the client's
    // connection is not left behind a paused upload.
    res.once('finish', () => {
      if (!req.complete && this.outcome === 'forwarded') {
        this.detachUpload();
        discardBody(req);
      }
    });
    this.send(true);
  }

  private send(retryable: boolean): void {
    const { ctx, origin } = this;
    let upstreamReq: http.ClientRequest;
    try {
      upstreamReq = http.request({
        agent: ctx.agent,
        hostname: origin.hostname,
        port: origin.port,
        method: this.req.method,
        path: this.path,
        headers: this.headers,
      });
    } catch {
      this.failure = 'request-rejected';
      this.done = true;
      return this.early(502, BODY_UNAVAILABLE, 'unavailable');
    }
    this.upstreamReq = upstreamReq;
    upstreamReq.on('error', (err: Error & { code?: string }) => {
      if (upstreamReq === this.upstreamReq) this.fail(err, retryable);
    });
    upstreamReq.on('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(onConnectTimeout, ctx.connectTimeoutMs, upstreamReq);
      socket.once('connect', () => clearTimeout(timer));
      upstreamReq.once('close', () => clearTimeout(timer));
    });
    upstreamReq.setTimeout(ctx.idleTimeoutMs, () => upstreamReq.destroy(new TransportFailure('idle-timeout')));
    upstreamReq.on('response', (ures: IncomingMessage) => this.onResponse(upstreamReq, ures));
    if (this.hasBody) this.req.pipe(upstreamReq);
    else upstreamReq.end();
  }

  private onResponse(upstreamReq: http.ClientRequest, ures: IncomingMessage): void {
    if (this.done) {
      ures.destroy();
      return;
    }
    const res = this.res;
    this.upstreamMs = performance.now() - this.started;
    const eventStream = isEventStream(ures.rawHeaders);
    if (eventStream) upstreamReq.setTimeout(this.ctx.streamIdleTimeoutMs);
    try {
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, clientResponseHeaders(ures.rawHeaders));
    } catch {
      ures.destroy();
      this.fail(new TransportFailure('bad-response-head'), false);
      return;
    }
    if (eventStream) res.flushHeaders();
    this.outcome = 'forwarded';
    ures.on('error', (err: Error & { code?: string }) => this.fail(err, false));
    ures.on('aborted', () => this.fail(new TransportFailure('upstream-aborted'), false));
    ures.on('end', () => {
      this.done = true;
    });
    ures.pipe(res);
  }

  private fail(err: Error & { code?: string }, retryable: boolean): void {
    if (this.done) return;
    const code = err instanceof TransportFailure ? err.code : (err.code ?? 'error');
    if (
      retryable &&
      !this.hasBody &&
      this.upstreamMs === undefined &&
      this.upstreamReq?.reusedSocket === true &&
      RETRYABLE_ON_REUSED_SOCKET.has(code)
    ) {
      this.send(false);
      return;
    }
    this.done = true;
    this.failure = code;
    this.detachUpload();
    if (!this.res.headersSent) {
      this.early(502, BODY_UNAVAILABLE, 'unavailable');
    } else {
      this.outcome = 'aborted';
      this.res.destroy();
    }
  }

  private onBodyTooLarge(): void {
    if (this.done) return;
    this.done = true;
    this.detachUpload();
    if (!this.res.headersSent) {
      this.early(413, BODY_TOO_LARGE, 'too-large');
    } else {
      this.outcome = 'too-large';
      this.res.destroy();
    }
  }

  /** Stops feeding the upstream request and closes it (a half-sent body makes that connection unusable anyway). */
  private detachUpload(): void {
    const upstreamReq = this.upstreamReq;
    if (upstreamReq === undefined) return;
    this.req.unpipe(upstreamReq);
    upstreamReq.destroy();
  }

  private early(status: number, body: Buffer, why: ProxyOutcome): void {
    this.outcome = why;
    sendJson(this.req, this.res, status, body);
  }

  private onClientClose(): void {
    const res = this.res;
    if (!res.writableFinished) {
      this.done = true;
      this.upstreamReq?.destroy();
      if (this.outcome === 'forwarded') this.outcome = 'client-closed';
    }
    const onEvent = this.ctx.onEvent;
    if (onEvent === undefined) return;
    onEvent({
      method: this.req.method ?? '',
      slug: this.slug,
      status: res.headersSent ? res.statusCode : 0,
      outcome: this.outcome,
      durationMs: performance.now() - this.started,
      upstreamMs: this.upstreamMs,
      failure: this.failure,
    });
  }
}

function onConnectTimeout(upstreamReq: http.ClientRequest): void {
  upstreamReq.destroy(new TransportFailure('connect-timeout'));
}

/**
 * Answers with a small JSON body. An unread request body is drained (bounded in bytes and time) so the client
 * reads this answer instead of a connection reset, and the connection stays reusable.
 */
function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: Buffer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, ['Content-Type', 'application/json', 'Content-Length', String(body.length), 'Cache-Control', 'no-store']);
  res.end(body);
  if (!req.complete) discardBody(req);
}

function discardBody(req: IncomingMessage): void {
  let discarded = 0;
  const cut = (): void => {
    req.socket.destroy();
  };
  const timer = setTimeout(cut, DISCARD_LIMIT_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
