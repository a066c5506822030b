/**
 * Header rewriting of the public proxy. Works on Node's flat `rawHeaders` arrays ([name, value, name, value…]) so
 * duplicates (several Cookie or Set-Cookie lines) and the original spelling survive, and nothing is re-joined.
 */

/** Hop-by-hop headers (RFC 9110 §7.6.1 plus the usual non-standard ones): never forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** Request headers the proxy never forwards: credentials for the master, identity only the master may assert. */
const REQUEST_DROPPED = new Set([
  'host',
  'authorization',
  'proxy-authorization',
  'x-admin-token',
  // Asserted by the proxy itself; a client value would be a forgery.
  'x-forwarded-for',
  'x-forwarded-proto',
  // Node's server already answered `100 Continue` to the client.
  'expect',
]);

/** Miner signature headers: only forwarded on the routes the challenge declares signed (`signed_routes`). */
const SIGNATURE_HEADERS = new Set(['x-hotkey', 'x-signature', 'x-nonce', 'x-timestamp']);

/** Lower-cased names listed in a Connection header value (they are hop-by-hop for this message). */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    for (const t of raw[i + 1]!.split(',')) {
      const name = t.trim().toLowerCase();
      if (name !== '') (tokens ??= new Set()).add(name);
    }
  }
  return tokens;
}

export interface UpstreamRequestHeaderInput {
  rawHeaders: readonly string[];
  /** The upstream `host[:port]`, sent as Host. */
  upstreamHost: string;
  slug: string;
  clientAddress: string | undefined;
  forwardedProto: string;
  keepSignatureHeaders: boolean;
}

/** The flat header list to send upstream. */
export function upstreamRequestHeaders(input: UpstreamRequestHeaderInput): string[] {
  const raw = input.rawHeaders;
  const listed = connectionTokens(raw);
  const out: string[] = ['Host', input.upstreamHost];
  let forwardedFor: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      const value = raw[i + 1]!.trim();
      if (value !== '') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (HOP_BY_HOP.has(lower) || REQUEST_DROPPED.has(lower) || lower.startsWith('x-base-')) continue;
    if (!input.keepSignatureHeaders && SIGNATURE_HEADERS.has(lower)) continue;
    if (listed !== undefined && listed.has(lower)) continue;
    out.push(name, raw[i + 1]!);
  }
  const client = input.clientAddress ?? '';
  const xff = client === '' ? forwardedFor : forwardedFor === undefined ? client : `${forwardedFor}, ${client}`;
  if (xff !== undefined) out.push('X-Forwarded-For', xff);
  out.push('X-Forwarded-Proto', input.forwardedProto, 'X-Base-Proxy', 'true', 'X-Base-Challenge-Slug', input.slug);
  return out;
}

/** The upstream response's headers minus hop-by-hop ones, as a flat list for `res.writeHead`. */
export function clientResponseHeaders(raw: readonly string[]): string[] {
  const listed = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    if (listed !== undefined && listed.has(lower)) continue;
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/** Whether a response's Content-Type is `text/event-stream` (flushed at once, no buffering, long idle timeout). */
export function isEventStream(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && name.toLowerCase() === 'content-type') {
      return raw[i + 1]!.trimStart().toLowerCase().startsWith('text/event-stream');
    }
  }
  return false;
}
