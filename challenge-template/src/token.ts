import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The shared token from `CHALLENGE_SHARED_TOKEN_FILE`, read on every check so that a late-mounted file counts.
 * null when no file is configured, or it is missing or empty: the weights route then answers 503.
 */
export function readSharedToken(file: string | null): string | null {
  if (!file) return null;
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token === '' ? null : token;
  } catch {
    return null;
  }
}

/** Constant-time comparison: both sides are hashed first, so neither the length nor a prefix leaks through timing. */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
