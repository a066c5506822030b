import type { ServerResponse } from 'node:http';

/** Writes a JSON answer (never cached: everything the master serves is live state). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

export const notFound = (res: ServerResponse): void => sendJson(res, 404, { detail: 'Not found' });
export const methodNotAllowed = (res: ServerResponse, allow: string): void =>
  sendJson(res, 405, { detail: 'Method not allowed' }, { allow });
