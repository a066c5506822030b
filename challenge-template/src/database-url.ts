/**
 * `CHALLENGE_DATABASE_URL` → a SQLite file path. The reconciler sets `sqlite+aiosqlite:////data/challenge.sqlite3`
 * (the SQLAlchemy form the Python SDKs expect: three slashes, then an absolute path); a plain path works too.
 */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

const SQLITE_URL = /^sqlite(?:\+[a-z0-9]+)?:\/\/(.*)$/i;

export function sqlitePathFromUrl(value: string): string {
  const url = value.trim();
  if (url === '') throw new DatabaseUrlError('CHALLENGE_DATABASE_URL is empty, expected a sqlite URL or a file path');
  const match = SQLITE_URL.exec(url);
  if (!match) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      const scheme = url.slice(0, url.indexOf(':'));
      throw new DatabaseUrlError(`CHALLENGE_DATABASE_URL has the scheme ${JSON.stringify(scheme)}, expected sqlite:// (or sqlite+<driver>://) or a plain file path`);
    }
    return url;
  }
  // sqlite://<host>/<path>: the host must be empty; what follows the third slash is the path (relative unless it
  // starts with another slash). The query string (?mode=...) is not a part of the path.
  const rest = (match[1] ?? '').replace(/\?.*$/, '');
  if (!rest.startsWith('/')) throw new DatabaseUrlError(`CHALLENGE_DATABASE_URL ${JSON.stringify(url)} names a host, expected sqlite:///relative or sqlite:////absolute/path`);
  const path = decodeURIComponent(rest.slice(1));
  if (path === '') throw new DatabaseUrlError(`CHALLENGE_DATABASE_URL ${JSON.stringify(url)} has no file path, expected e.g. sqlite+aiosqlite:////data/challenge.sqlite3`);
  return path;
}
