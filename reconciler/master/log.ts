/**
 * JSON lines on stdout: one per request (method, route class, slug, status, duration) and a few lifecycle events.
 * Never header values, query strings or bodies: a request line is built from an allowlist of fields.
 */
import type { RouteClass } from './route-class.ts';

export interface RequestLogEntry {
  method: string;
  route: RouteClass;
  /** Only set for proxy requests that named a valid-looking slug. */
  slug?: string | undefined;
  status: number;
  durationMs: number;
}

export interface MasterLog {
  request(entry: RequestLogEntry): void;
  event(event: string, fields?: Record<string, string | number | boolean | null>): void;
}

const SLUG = /^[a-z0-9]([a-z0-9-]{0,46}[a-z0-9])?$/;
const METHOD = /^[A-Z]{1,16}$/;

/**
 * Lines are gathered and written in one call per event-loop turn (at most 64 KiB held): under load this is one
 * write syscall for many requests instead of one each (stdout is synchronous on Linux pipes and files).
 */
export function bufferedStdout(stream: NodeJS.WritableStream = process.stdout): { write: (line: string) => void; flush: () => void } {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  return {
    write(line) {
      pending += line;
      if (pending.length >= 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

export function jsonLog(write: (line: string) => void = (line) => process.stdout.write(line), now: () => Date = () => new Date()): MasterLog {
  return {
    request(entry) {
      const line = {
        time: now().toISOString(),
        msg: 'request',
        method: METHOD.test(entry.method) ? entry.method : 'OTHER',
        route: entry.route,
        ...(entry.slug !== undefined && SLUG.test(entry.slug) ? { slug: entry.slug } : {}),
        status: entry.status,
        duration_ms: Math.round(entry.durationMs * 1000) / 1000,
      };
      write(`${JSON.stringify(line)}\n`);
    },
    event(event, fields = {}) {
      write(`${JSON.stringify({ time: now().toISOString(), msg: event, ...fields })}\n`);
    },
  };
}

export const silentLog: MasterLog = { request: () => undefined, event: () => undefined };
