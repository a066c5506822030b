/**
 * Admin token check: `X-Admin-Token: <token>` or `Authorization: Bearer <token>`. Both sides are hashed to
 * SHA-256 first so `timingSafeEqual` compares equal-length digests (no early exit, no length leak). With no token
 * configured nothing is authorized.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export interface AdminAuth {
  readonly configured: boolean;
  authorized(headers: IncomingHttpHeaders): boolean;
}

export function adminAuth(token: string | null): AdminAuth {
  const expected = token !== null && token.length > 0 ? digest(token) : null;
  return {
    configured: expected !== null,
    authorized(headers) {
      if (expected === null) return false;
      const offered = presentedToken(headers);
      if (offered === null) return false;
      return timingSafeEqual(digest(offered), expected);
    },
  };
}

function presentedToken(headers: IncomingHttpHeaders): string | null {
  const header = headers['x-admin-token'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct !== undefined && direct.length > 0) return direct;
  const authorization = headers.authorization;
  if (authorization === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1] ?? null;
}
