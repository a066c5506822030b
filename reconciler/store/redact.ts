/** Keeping database passwords out of messages and logs. */

const MASK = '***';
const SECRET_PARAMS = ['password', 'sslpassword'];

/** The URL with its password (userinfo or `?password=`) replaced by ***; safe to print. */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a parseable URL: mask anything that looks like user:password@ and password=... anyway.
    return url.replace(/(\/\/[^:/?#@\s]*:)[^@/\s]*@/, `$1${MASK}@`).replace(/(password=)[^&\s]*/gi, `$1${MASK}`);
  }
  if (parsed.password) parsed.password = MASK;
  for (const name of SECRET_PARAMS) {
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, MASK);
  }
  // URLSearchParams re-encodes "***" as "%2A%2A%2A"; keep the mask readable.
  return parsed.toString().replaceAll('%2A%2A%2A', MASK);
}

/** Every form of the URL's password that could show up in a driver's error text. */
export function secretsOfDatabaseUrl(url: string): string[] {
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    const candidates = [parsed.password, ...SECRET_PARAMS.map((name) => parsed.searchParams.get(name) ?? '')];
    for (const value of candidates) {
      if (!value) continue;
      secrets.add(value);
      try {
        secrets.add(decodeURIComponent(value));
      } catch {
        // Malformed percent-encoding: the raw form is already in the set.
      }
    }
  } catch {
    const match = /\/\/[^:/?#@\s]*:([^@/\s]+)@/.exec(url);
    if (match?.[1]) secrets.add(match[1]);
  }
  secrets.add(url);
  // Longest first so the whole URL is replaced before its password alone.
  return [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/** `text` with the URL (and its password, in any encoding) replaced by masked forms. */
export function scrubDatabaseSecrets(text: string, url: string): string {
  let out = text;
  const redactedUrl = redactDatabaseUrl(url);
  for (const secret of secretsOfDatabaseUrl(url)) {
    out = out.split(secret).join(secret === url ? redactedUrl : MASK);
  }
  return out;
}
