/**
 * The public proxy's request handler. Node's `http` server parses the client side; the upstream side is undici's
 * `dispatch` API: its pooled HTTP/1.1 client with a handler object (this file's `Exchange`) that writes straight into
 * the client response. That avoids a `ClientRequest`, an `IncomingMessage` and a pipe per request: proxy.bench.ts went
 * from 0.29x to 0.47x nginx's request rate here when this replaced `http.request`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { classifyProxyPath } from './classify-path.ts';
import { clientResponseHeaders, isEventStream, upstreamRequestHeaders } from './headers.ts';
import type { RouteMatcher } from './route-matcher.ts';

export interface UpstreamTarget {
  /** `http://host:port` of the challenge service (no path). */
  origin: string;
  /** Routes on which the miner signature headers pass (the challenge verifies them); absent: dropped everywhere. */
  signedRoutes?: RouteMatcher;
  /** Routes whose transport failure answers 503 instead of 502 (the reference's agent-challenge env routes). */
  unavailable503?: RouteMatcher;
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
  | 'unavailable' // 502 (503 on a target's `unavailable503` routes), transport failure before a response
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
  /**
   * Inactivity timeout while a request is in flight: waiting for the response head (the clock restarts with every
   * chunk of request body written) and between response body chunks; default 60 s. There is no total timeout.
   */
  idleTimeoutMs?: number;
  /** Inactivity timeout once a `text/event-stream` response started; default 10 min. */
  streamIdleTimeoutMs?: number;
  /** Idle pooled upstream connections are closed after this long (or sooner, when the upstream's `Keep-Alive` hint says so); default 4 s. */
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

class TransportFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** undici's error codes, shortened to the failure codes events and metrics carry. */
const FAILURE_CODES: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect-timeout',
  UND_ERR_HEADERS_TIMEOUT: 'idle-timeout',
  UND_ERR_BODY_TIMEOUT: 'idle-timeout',
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_HEADERS_OVERFLOW: 'bad-response-head',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'upstream-aborted',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'request-aborted',
  UND_ERR_INVALID_ARG: 'request-rejected',
  UND_ERR_ABORTED: 'aborted',
};

/**
 * A request is replayed once, on a new attempt, only when that cannot run it twice with different effects: no body,
 * an idempotent method (RFC 9110 §9.2.2), and the connection failed before any response byte. The usual cause is a
 * pooled connection the upstream closed while the request was being written.
 */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const RETRYABLE_FAILURES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface ProxyContext {
  resolver: UpstreamResolver;
  maxBodyBytes: number;
  idleTimeoutMs: number;
  streamIdleTimeoutMs: number;
  forwardedProto: 'http' | 'https' | undefined;
  onEvent: ((event: ProxyEvent) => void) | undefined;
  dispatcher: Agent;
  originOf(origin: string): string | undefined;
}

export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  const freeSocketTimeoutMs = options.freeSocketTimeoutMs ?? 4_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const dispatcher = new Agent({
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
    connections: options.maxSocketsPerUpstream ?? 512,
    pipelining: 1,
    keepAliveTimeout: freeSocketTimeoutMs,
    keepAliveMaxTimeout: freeSocketTimeoutMs,
    headersTimeout: idleTimeoutMs,
    // The body's inactivity clock is the Exchange's own: an event stream gets a longer one, known only from its head.
    bodyTimeout: 0,
  });
  const origins = new Map<string, string | null>();
  const ctx: ProxyContext = {
    resolver: options.resolver,
    maxBodyBytes: options.maxBodyBytes ?? 8 * MiB,
    idleTimeoutMs,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? 600_000,
    forwardedProto: options.forwardedProto,
    onEvent: options.onEvent,
    dispatcher,
    originOf(origin) {
      let parsed = origins.get(origin);
      if (parsed === undefined) {
        parsed = httpOrigin(origin) ?? null;
        if (origins.size > 4096) origins.clear();
        origins.set(origin, parsed);
      }
      return parsed ?? undefined;
    },
  };
  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    new Exchange(ctx, req, res).start();
  }) as ProxyHandler;
  handler.close = () => {
    dispatcher.destroy().catch(() => undefined);
  };
  return handler;
}

/** `http://host:port` (no credentials, no path) as undici's origin, or undefined. */
function httpOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' || url.hostname === '' || url.username !== '' || url.password !== '') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * One proxied request, and undici's dispatch handler for it. A class rather than closures: the hot path then
 * allocates one object per request.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private slug: string | undefined;
  private outcome: ProxyOutcome = 'client-closed';
  private upstreamMs: number | undefined;
  private failure: string | undefined;
  /** A final decision was taken (response complete, 413, 502 or abort): later upstream events are ignored. */
  private done = false;
  private hasBody = false;
  private retried = false;
  /** What a transport failure before the response answers: 502, or 503 on the target's `unavailable503` routes. */
  private unavailableStatus = 502;
  private origin = '';
  private path = '';
  private headers: string[] = [];
  /** The request body as undici sees it: a pass-through fed from the client, so undici never destroys the client's stream. */
  private upload: PassThrough | undefined;
  /** undici's abort for the attempt in flight (set once it is written to a connection). */
  private abortUpstream: ((err?: Error) => void) | undefined;
  private bodyIdleTimer: NodeJS.Timeout | undefined;
  private resumeUpstream: (() => void) | undefined;

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
    const origin = ctx.originOf(target.origin);
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

    // Content-Length, when the client sent one, is kept: undici then sends exactly that many bytes. A chunked body
    // (Transfer-Encoding is hop-by-hop and dropped) is re-framed as chunked by undici, on every method, so the
    // upstream can never read a GET/DELETE body as a second request.
    this.headers = upstreamRequestHeaders({
      rawHeaders: raw,
      upstreamHost: origin.slice('http://'.length),
      slug,
      clientAddress: req.socket.remoteAddress,
      forwardedProto: ctx.forwardedProto ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'),
      keepSignatureHeaders: target.signedRoutes !== undefined && target.signedRoutes.matches(req.method, cls.segments),
    });
    if (target.unavailable503 !== undefined && target.unavailable503.matches(req.method, cls.segments)) this.unavailableStatus = 503;
    this.path = cls.path + cls.query;

    if (this.hasBody) {
      const upload = new PassThrough();
      this.upload = upload;
      if (chunked) {
        let received = 0;
        req.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > ctx.maxBodyBytes) this.onBodyTooLarge();
        });
      }
      req.pipe(upload);
    }
    // The upstream answered without reading the whole body: the rest is no one's. Drain it so the client's
    // connection is not left behind a paused upload.
    res.once('finish', () => {
      if (!req.complete && this.outcome === 'forwarded') {
        this.detachUpload();
        discardBody(req);
      }
    });
    this.send();
  }

  private send(): void {
    this.abortUpstream = undefined;
    try {
      this.ctx.dispatcher.dispatch(
        {
          origin: this.origin,
          method: this.req.method as Dispatcher.HttpMethod,
          path: this.path,
          headers: this.headers,
          body: this.upload ?? null,
        },
        this,
      );
    } catch {
      this.fail(new TransportFailure('request-rejected'));
    }
  }

  // --- undici dispatch handler ---

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.done) abort(new TransportFailure('aborted'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.done) return false;
    const res = this.res;
    this.upstreamMs = performance.now() - this.started;
    const headers = new Array<string>(rawHeaders.length);
    for (let i = 0; i < rawHeaders.length; i++) headers[i] = rawHeaders[i]!.toString('latin1');
    const eventStream = isEventStream(headers);
    try {
      res.writeHead(statusCode, statusText, clientResponseHeaders(headers));
    } catch {
      this.fail(new TransportFailure('bad-response-head'));
      return false;
    }
    if (eventStream) res.flushHeaders();
    this.outcome = 'forwarded';
    this.resumeUpstream = resume;
    this.bodyIdleTimer = setTimeout(onBodyIdle, eventStream ? this.ctx.streamIdleTimeoutMs : this.ctx.idleTimeoutMs, this);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
    this.bodyIdleTimer?.refresh();
    if (this.res.write(chunk)) return true;
    this.res.once('drain', () => this.resumeUpstream?.());
    return false;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.bodyIdleTimer);
    this.res.end();
  }

  onError(err: Error & { code?: string }): void {
    this.fail(err);
  }

  /** Called from the body idle timer. */
  bodyIdle(): void {
    const abort = this.abortUpstream;
    const failure = new TransportFailure('idle-timeout');
    if (abort !== undefined) abort(failure);
    else this.fail(failure);
  }

  // --- decisions ---

  private fail(err: Error & { code?: string }): void {
    if (this.done) return;
    const code = err instanceof TransportFailure ? err.code : (FAILURE_CODES[err.code ?? ''] ?? err.code ?? 'error');
    if (
      !this.retried &&
      !this.hasBody &&
      this.upstreamMs === undefined &&
      RETRYABLE_FAILURES.has(code) &&
      IDEMPOTENT_METHODS.has(this.req.method ?? '')
    ) {
      this.retried = true;
      this.send();
      return;
    }
    this.done = true;
    clearTimeout(this.bodyIdleTimer);
    this.failure = code;
    this.detachUpload();
    if (!this.res.headersSent) {
      this.early(this.unavailableStatus, BODY_UNAVAILABLE, 'unavailable');
    } else {
      this.outcome = 'aborted';
      this.res.destroy();
    }
  }

  private onBodyTooLarge(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.bodyIdleTimer);
    this.detachUpload();
    if (!this.res.headersSent) {
      this.early(413, BODY_TOO_LARGE, 'too-large');
    } else {
      this.outcome = 'too-large';
      this.res.destroy();
    }
  }

  /** Stops feeding the upstream and aborts the attempt (a half-sent body makes that connection unusable anyway). */
  private detachUpload(): void {
    const upload = this.upload;
    if (upload !== undefined) {
      this.req.unpipe(upload);
      upload.destroy();
    }
    this.abortUpstream?.(new TransportFailure('aborted'));
  }

  private early(status: number, body: Buffer, why: ProxyOutcome): void {
    this.outcome = why;
    sendJson(this.req, this.res, status, body);
  }

  private onClientClose(): void {
    const res = this.res;
    if (!res.writableFinished) {
      const wasDone = this.done;
      this.done = true;
      clearTimeout(this.bodyIdleTimer);
      if (!wasDone) this.detachUpload();
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

function onBodyIdle(exchange: Exchange): void {
  exchange.bodyIdle();
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
