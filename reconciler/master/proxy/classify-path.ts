/**
 * Pure classification of a request target for the public proxy `/challenges/{slug}/{path}`.
 *
 * The path is brought to ONE canonical form, every rule is checked on that form, and that same form is what gets
 * forwarded upstream. So whatever reaches the challenge is exactly what was checked:
 *  1. percent-escapes are decoded repeatedly until stable (double, triple… encoding), bytes must be valid UTF-8
 *     (overlong forms such as `%c0%ae` are rejected); a lone `%` not followed by two hex digits stays literal;
 *  2. NFKC normalization (fullwidth `．` `／` `＼`, dot leaders, ligatures…), other slash look-alikes and `\` become `/`,
 *     zero-width characters are removed; steps 1 and 2 repeat until stable (NFKC can form a new `%XX`);
 *  3. control characters (NUL included) are rejected;
 *  4. empty segments are dropped (doubled and trailing slashes collapse), `.` and `..` segments are resolved inside
 *     the challenge's sub-path only: a `..` that would climb above it (into `/challenges/{slug}`) is blocked, so no
 *     path reaches another slug;
 *  5. blocked rules compare a segment key: case-folded, anything from `;`, `?` or `#` on removed, trailing dots and
 *     surrounding whitespace removed (so `/HEALTH.`, `/internal;x=1`, `/health%3Fx`, `/health/` are all caught;
 *     `..;` counts as `..`).
 * The forwarded path is the canonical segments re-encoded (`%` → `%25`, reserved characters percent-encoded), with
 * one trailing slash kept when the request had one. Consequence, on purpose: an encoded `%2F` inside a segment
 * becomes a real separator and a literal `%XX` cannot be expressed; challenges must not depend on either.
 */

export type ProxyPathClass =
  | { kind: 'not-proxy' }
  | { kind: 'malformed' }
  | { kind: 'blocked' }
  /** Not a well-formed slug: no lookup needed, the answer is 404. */
  | { kind: 'unknown-challenge' }
  | {
      kind: 'forward';
      slug: string;
      /** Canonical, re-encoded path starting with `/`, without the query. */
      path: string;
      /** Raw query including the leading `?`, or ''. Forwarded verbatim. */
      query: string;
      /** Canonical (decoded) segments of the sub-path, for route matching such as the signed miner routes. */
      segments: readonly string[];
    };

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f]/;
/** Backslash and slash look-alikes that survive NFKC (division slash, fraction slash, big solidi…). */
const SLASH_LIKE = /[\\\u2044\u2215\u29f5\u29f8\u29f9\u2571\u2572\u3033\u3035]/g;
/** A path that is plain printable ASCII without `%` or `\` needs no decoding or normalization. */
const PLAIN_ASCII_PATH = /^[\x21-\x24\x26-\x5b\x5d-\x7e]*$/;
/** Zero-width and soft-hyphen characters, ignored when comparing segments (`inte\u200brnal`). */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]/;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'g');
/** Lower-case ASCII letters, digits, `-` and `_` (not starting or ending with a dot): already its own key. */
const SIMPLE_SEGMENT = /^[a-z0-9_-]+$/;
const KEY_CUT = /[;?#]/;
const SEGMENT_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;
const MAX_DECODE_PASSES = 16;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Node hands `req.url` over one character per byte (latin1); raw non-ASCII bytes are UTF-8 on the wire.
 * A string with characters above U+00FF (a direct call, not from the wire) is taken as already decoded.
 */
function fromWire(raw: string): string | undefined {
  let high = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c > 0xff) return raw;
    if (c >= 0x80) high = true;
  }
  if (!high) return raw;
  try {
    return utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return undefined;
  }
}

/** One lenient pass: valid `%XX` become bytes, the result must be valid UTF-8. Returns undefined when it is not. */
function decodeOnce(s: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      // Non-ASCII character as received: copy its UTF-8 bytes (surrogate pairs handled by codePointAt).
      const cp = s.codePointAt(i)!;
      const chunk = encoder.encode(String.fromCodePoint(cp));
      for (const b of chunk) bytes.push(b);
      if (cp > 0xffff) i++;
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Decodes until no `%XX` escape is left; undefined on invalid UTF-8 or absurd nesting. */
export function decodeUntilStable(s: string): string | undefined {
  let current = s;
  for (let pass = 0; pass < MAX_DECODE_PASSES; pass++) {
    if (!PERCENT_ESCAPE.test(current)) return current;
    const next = decodeOnce(current);
    if (next === undefined) return undefined;
    current = next;
  }
  return PERCENT_ESCAPE.test(current) ? undefined : current;
}

/**
 * Decoding and normalization until neither changes anything: NFKC can create new escapes (`%6\uff45` → `%6e`) and
 * removing invisible characters can too (`%\u200b2e`), so both are repeated until no `%XX` is left.
 */
function canonicalize(text: string): string | undefined {
  let current = text;
  for (let round = 0; round < MAX_DECODE_PASSES; round++) {
    const decoded = decodeUntilStable(current);
    if (decoded === undefined) return undefined;
    let normalized = decoded.normalize('NFKC').replace(SLASH_LIKE, '/');
    if (INVISIBLE.test(normalized)) normalized = normalized.replace(INVISIBLE_ALL, '');
    if (!PERCENT_ESCAPE.test(normalized)) return normalized;
    current = normalized;
  }
  return undefined;
}

/** The comparison key of a segment: case-folded, anything from `;`, `?` or `#` on removed, trailing dots and whitespace trimmed. */
export function segmentKey(segment: string): string {
  if (SIMPLE_SEGMENT.test(segment)) return segment;
  let key = segment;
  // `;params` are dropped by some servers; a decoded `?` or `#` would end the path for one that decodes twice.
  const cut = key.search(KEY_CUT);
  if (cut !== -1) key = key.slice(0, cut);
  // toUpperCase first folds dotless ı, long ſ, Kelvin K… onto their ASCII letters.
  key = key.toUpperCase().toLowerCase();
  if (INVISIBLE.test(key)) key = key.replace(INVISIBLE_ALL, '');
  key = key.trim();
  if (key === '.' || key === '..') return key;
  let end = key.length;
  while (end > 0 && (key.charCodeAt(end - 1) === 0x2e || key.charCodeAt(end - 1) === 0x20)) end--;
  return end === key.length ? key : key.slice(0, end);
}

/** The blocked-route rules of the issue, on segment keys of the canonical sub-path. */
export function isBlockedSubPath(allKeys: readonly string[]): boolean {
  // A segment whose key is empty (`;x`, `...`, whitespace) may vanish upstream, so it does not count.
  const keys = allKeys.includes('') ? allKeys.filter((k) => k !== '') : allKeys;
  const first = keys[0];
  if (first === undefined) return false;
  if (keys.length === 1 && (first === 'health' || first === 'version')) return true;
  if (first === 'internal' || first === 'benchmark-executions') return true;
  if (first === 'benchmark' || first === 'benchmarks') {
    const last = keys[keys.length - 1];
    if (last === 'run' || last === 'execute' || last === 'launch') return true;
  }
  return false;
}

function encodeSegment(segment: string): string {
  if (SEGMENT_SAFE.test(segment)) return segment;
  let out = '';
  for (const ch of segment) {
    out += SEGMENT_SAFE.test(ch) ? ch : encodeURIComponent(ch);
  }
  return out;
}

/**
 * Classifies a raw request target (`req.url`: path plus optional query).
 * - `not-proxy`: not under `/challenges/{slug}` (the caller's own router decides what that is);
 * - `malformed`: undecodable escapes, invalid UTF-8, control characters → 400;
 * - `blocked`: a forbidden route or an escape attempt → 403, decided before any slug lookup;
 * - `forward`: slug plus the canonical path to forward.
 */
export function classifyProxyPath(rawTarget: string): ProxyPathClass {
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const query = q === -1 ? '' : rawTarget.slice(q);
  if (rawPath.charCodeAt(0) !== 0x2f /* / */) return { kind: 'not-proxy' };

  let path: string;
  if (PLAIN_ASCII_PATH.test(rawPath)) {
    path = rawPath;
  } else {
    const text = fromWire(rawPath);
    const canonical = text === undefined ? undefined : canonicalize(text);
    if (canonical === undefined || CONTROL_CHAR.test(canonical)) return { kind: 'malformed' };
    path = canonical;
  }

  const raw = path.split('/');
  let i = 0;
  while (i < raw.length && raw[i] === '') i++;
  const prefix = raw[i++];
  if (prefix === undefined || segmentKey(prefix) !== 'challenges') return { kind: 'not-proxy' };
  while (i < raw.length && raw[i] === '') i++;
  const slug = raw[i++];
  if (slug === undefined) return { kind: 'not-proxy' };
  const slugKey = segmentKey(slug);
  if (slugKey === '.' || slugKey === '..') return { kind: 'blocked' };

  const segments: string[] = [];
  const keys: string[] = [];
  let lastWasDot = false;
  for (; i < raw.length; i++) {
    const s = raw[i]!;
    if (s === '') continue;
    const key = segmentKey(s);
    if (key === '.') {
      lastWasDot = true;
    } else if (key === '..') {
      if (segments.length === 0) return { kind: 'blocked' };
      segments.pop();
      keys.pop();
      lastWasDot = true;
    } else {
      segments.push(s);
      keys.push(key);
      lastWasDot = false;
    }
  }
  if (isBlockedSubPath(keys)) return { kind: 'blocked' };
  // Only a well-formed slug is worth a lookup; anything else is simply not a challenge (404 upstream of this).
  if (!SLUG.test(slug)) return { kind: 'unknown-challenge' };

  let forwarded = '';
  for (const s of segments) forwarded += '/' + encodeSegment(s);
  if (forwarded === '') forwarded = '/';
  else if (lastWasDot || path.endsWith('/')) forwarded += '/';
  return { kind: 'forward', slug, path: forwarded, query, segments };
}
