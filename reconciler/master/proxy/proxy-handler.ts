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

export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  const resolver = options.resolver;
  const maxBodyBytes = options.maxBodyBytes ?? 8 * MiB;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 600_000;
  const onEvent = options.onEvent;
  const agent = new PoolAgent(options.freeSocketTimeoutMs ?? 4_000, {
    keepAlive: true,
    keepAliveMsecs: 1_000,
    maxSockets: options.maxSocketsPerUpstream ?? 512,
    maxFreeSockets: options.maxSocketsPerUpstream ?? 512,
    scheduling: 'lifo',
  });

  const origins = new Map<string, ParsedOrigin | null>();
  function parseOrigin(origin: string): ParsedOrigin | undefined {
    let parsed = origins.get(origin);
    if (parsed === undefined) {
      parsed = null;
      try {
        const url = new URL(origin);
        if (url.protocol === 'http:' && url.hostname !== '' && url.username === '' && url.password === '') {
          const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
          parsed = { hostname, port: url.port === '' ? 80 : Number(url.port), hostHeader: url.host };
        }
      } catch {
        // stays null: reported as unavailable
      }
      if (origins.size > 4096) origins.clear();
      origins.set(origin, parsed);
    }
    return parsed ?? undefined;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let slug: string | undefined;
    let outcome: ProxyOutcome = 'client-closed';
    let upstreamMs: number | undefined;
    let failure: string | undefined;

    res.once('close', () => {
      if (!res.writableFinished && outcome === 'forwarded') outcome = 'client-closed';
      if (onEvent !== undefined) {
        onEvent({
          method,
          slug,
          status: res.headersSent ? res.statusCode : 0,
          outcome,
          durationMs: performance.now() - started,
          upstreamMs,
          failure,
        });
      }
    });

    const early = (status: number, body: Buffer, why: ProxyOutcome): void => {
      outcome = why;
      sendJson(req, res, status, body);
    };

    const cls = classifyProxyPath(req.url ?? '');
    switch (cls.kind) {
      case 'not-proxy':
        return early(404, BODY_NOT_FOUND, 'not-proxy');
      case 'malformed':
        return early(400, BODY_MALFORMED, 'malformed');
      case 'blocked':
        return early(403, BODY_BLOCKED, 'blocked');
      case 'unknown-challenge':
        return early(404, BODY_NO_CHALLENGE, 'not-found');
      case 'forward':
        break;
    }
    slug = cls.slug;

    let target: UpstreamTarget | undefined;
    try {
      target = resolver.resolve(slug);
    } catch {
      failure = 'resolver-error';
      return early(502, BODY_UNAVAILABLE, 'unavailable');
    }
    if (target === undefined) return early(404, BODY_NO_CHALLENGE, 'not-found');
    const origin = parseOrigin(target.origin);
    if (origin === undefined) {
      failure = 'bad-origin';
      return early(502, BODY_UNAVAILABLE, 'unavailable');
    }

    const raw = req.rawHeaders;
    let contentLength: string | undefined;
    let chunked = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = raw[i + 1];
      else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') chunked = true;
    }
    // Node's parser already rejected conflicting or non-numeric lengths.
    if (!chunked && contentLength !== undefined && Number(contentLength) > maxBodyBytes) {
      return early(413, BODY_TOO_LARGE, 'too-large');
    }
    const hasBody = chunked || (contentLength !== undefined && contentLength !== '0');

    const headers = upstreamRequestHeaders({
      rawHeaders: raw,
      upstreamHost: origin.hostHeader,
      slug,
      clientAddress: req.socket.remoteAddress,
      forwardedProto: options.forwardedProto ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'),
      keepSignatureHeaders: isSignedMinerRoute(method, cls.segments),
    });
    // The incoming Transfer-Encoding is hop-by-hop and dropped, but the body still needs framing upstream: without
    // this, Node's client sends a GET/DELETE body unframed and the upstream would parse it as a second request.
    if (chunked) headers.push('Transfer-Encoding', 'chunked');
    const path = cls.path + cls.query;

    let done = false; // a final decision was taken (response forwarded, 413, 502 or abort)
    let upstreamReq: http.ClientRequest;

    const fail = (err: Error & { code?: string }, retryable: boolean): void => {
      if (done) return;
      const code = err instanceof TransportFailure ? err.code : (err.code ?? 'error');
      if (
        retryable &&
        !hasBody &&
        upstreamMs === undefined &&
        upstreamReq.reusedSocket &&
        RETRYABLE_ON_REUSED_SOCKET.has(code)
      ) {
        send(false);
        return;
      }
      done = true;
      failure = code;
      upstreamReq.destroy();
      if (!res.headersSent) {
        req.unpipe(upstreamReq);
        early(502, BODY_UNAVAILABLE, 'unavailable');
      } else {
        outcome = 'aborted';
        res.destroy();
      }
    };

    const send = (retryable: boolean): void => {
      try {
        upstreamReq = http.request({
          agent,
          hostname: origin.hostname,
          port: origin.port,
          method,
          path,
          headers,
        });
      } catch {
        failure = 'request-rejected';
        done = true;
        return early(502, BODY_UNAVAILABLE, 'unavailable');
      }
      const thisReq = upstreamReq;
      thisReq.on('error', (err) => {
        if (thisReq === upstreamReq) fail(err, retryable);
      });
      thisReq.on('socket', (socket: Socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => thisReq.destroy(new TransportFailure('connect-timeout')), connectTimeoutMs);
        const clear = (): void => clearTimeout(timer);
        socket.once('connect', clear);
        thisReq.once('close', clear);
      });
      thisReq.setTimeout(idleTimeoutMs, () => thisReq.destroy(new TransportFailure('idle-timeout')));
      thisReq.on('response', (ures: IncomingMessage) => {
        if (done) {
          ures.destroy();
          return;
        }
        upstreamMs = performance.now() - started;
        const eventStream = isEventStream(ures.rawHeaders);
        if (eventStream) thisReq.setTimeout(streamIdleTimeoutMs);
        try {
          res.writeHead(ures.statusCode ?? 502, ures.statusMessage, clientResponseHeaders(ures.rawHeaders));
        } catch {
          ures.destroy();
          fail(new TransportFailure('bad-response-head'), false);
          return;
        }
        if (eventStream) res.flushHeaders();
        outcome = 'forwarded';
        ures.on('error', (err) => fail(err, false));
        ures.on('aborted', () => fail(new TransportFailure('upstream-aborted'), false));
        ures.on('end', () => {
          done = true;
        });
        ures.pipe(res);
      });

      if (!hasBody) {
        thisReq.end();
      } else {
        req.pipe(thisReq);
      }
    };

    if (chunked) {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= maxBodyBytes || done) return;
        done = true;
        req.unpipe(upstreamReq);
        upstreamReq.destroy();
        if (!res.headersSent) {
          early(413, BODY_TOO_LARGE, 'too-large');
        } else {
          outcome = 'too-large';
          res.destroy();
        }
      });
    }

    res.once('close', () => {
      if (!res.writableFinished) {
        done = true;
        upstreamReq.destroy();
      }
    });
    // The upstream answered without reading the whole body: the rest is no one's. Drain it so the client's
    // connection is not left behind a paused upload.
    res.once('finish', () => {
      if (!req.complete && outcome === 'forwarded') {
        req.unpipe(upstreamReq);
        upstreamReq.destroy(); // a half-sent body makes that upstream connection unusable anyway
        discardBody(req);
      }
    });

    send(true);
  }

  const handler = handle as ProxyHandler;
  handler.close = () => agent.destroy();
  return handler;
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
