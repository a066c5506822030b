/** Picks and opens the store from a URL and the subnet's environment. */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';

import { StoreConfigError } from './errors.ts';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
import { redactDatabaseUrl } from './redact.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { ControlPlaneStore } from './types.ts';

/** Environment variable operators set to the store URL (development, CLI use). */
export const STORE_URL_ENV = 'BASE_DATABASE_URL';
/** Environment variable naming a file that holds the store URL (the base-master service: a mounted Swarm secret). */
export const STORE_URL_FILE_ENV = 'BASE_DATABASE_URL_FILE';
/** File name of the development SQLite store inside the state folder. */
export const DEFAULT_SQLITE_FILE = 'control-plane.sqlite3';

const POSTGRES_EXAMPLE = 'postgres://USER:PASSWORD@HOST:5432/DATABASE';

export type StoreTarget =
  | { backend: 'postgres'; url: string }
  | { backend: 'sqlite'; path: string };

export interface OpenStoreOptions {
  /** `postgres://…`, `postgresql://…`, `sqlite:///abs/path.sqlite3`, a plain file path, or `:memory:`. */
  url?: string | undefined;
  environment: 'production' | 'development';
  /** The reconciler's state folder: home of the development SQLite store when no URL is given. */
  stateDir?: string | undefined;
  /** PostgreSQL tuning (schema, timeouts, pool size). */
  postgres?: Omit<PostgresStoreOptions, 'url'>;
}

/**
 * Where the store lives, without opening it. Throws StoreConfigError (password-free) for an unusable URL and for
 * anything but PostgreSQL in production.
 */
export function resolveStoreTarget(options: OpenStoreOptions): StoreTarget {
  const url = options.url?.trim() || undefined;
  const { environment } = options;
  if (environment !== 'production' && environment !== 'development') {
    throw new StoreConfigError(`environment: expected production or development, found ${JSON.stringify(environment)}`);
  }
  if (url === undefined) {
    if (environment === 'production') {
      throw new StoreConfigError(
        `no control-plane store configured: production needs PostgreSQL; set ${STORE_URL_ENV} to a URL such as ` +
          `${POSTGRES_EXAMPLE} (SQLite is only for development)`,
      );
    }
    if (!options.stateDir) {
      throw new StoreConfigError(
        `no control-plane store configured: set ${STORE_URL_ENV}, or give the state folder for the development SQLite store`,
      );
    }
    return { backend: 'sqlite', path: join(resolve(options.stateDir), DEFAULT_SQLITE_FILE) };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  let target: StoreTarget;
  if (scheme === 'postgres' || scheme === 'postgresql') {
    try {
      new URL(url);
    } catch {
      throw new StoreConfigError(`${STORE_URL_ENV}: not a valid URL (${redactDatabaseUrl(url)}); expected ${POSTGRES_EXAMPLE}`);
    }
    target = { backend: 'postgres', url };
  } else if (scheme === 'sqlite') {
    target = { backend: 'sqlite', path: sqlitePathOf(url) };
  } else if (url === ':memory:' || scheme === undefined || /^[a-z]:[\\/]/i.test(url)) {
    // A plain path (relative paths are taken from the working directory).
    target = { backend: 'sqlite', path: url === ':memory:' ? url : resolve(url) };
  } else {
    throw new StoreConfigError(
      `${STORE_URL_ENV}: unsupported store URL scheme "${scheme}:" (${redactDatabaseUrl(url)}); expected ` +
        `${POSTGRES_EXAMPLE}, sqlite:///absolute/path.sqlite3, a file path, or :memory:`,
    );
  }
  if (environment === 'production' && target.backend !== 'postgres') {
    throw new StoreConfigError(
      `the control-plane store is SQLite (${redactDatabaseUrl(url)}) but the environment is production, which needs ` +
        `PostgreSQL: set ${STORE_URL_ENV} to a URL such as ${POSTGRES_EXAMPLE} (SQLite is only for development)`,
    );
  }
  return target;
}

/**
 * The store URL from the environment: the trimmed content of the file named by BASE_DATABASE_URL_FILE, or
 * BASE_DATABASE_URL; null when neither is set. Both set, an unreadable or an empty file: StoreConfigError naming the
 * variable and the file, never the content.
 */
export async function storeUrlFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const direct = env[STORE_URL_ENV]?.trim() || null;
  const file = env[STORE_URL_FILE_ENV]?.trim() || null;
  if (file === null) return direct;
  if (direct !== null) {
    throw new StoreConfigError(`both ${STORE_URL_ENV} and ${STORE_URL_FILE_ENV} are set; set only one (the file is what the base-master service gets)`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new StoreConfigError(`${STORE_URL_FILE_ENV}: cannot read the store URL file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const url = text.trim();
  if (url === '') throw new StoreConfigError(`${STORE_URL_FILE_ENV}: the store URL file ${file} is empty; expected a URL such as ${POSTGRES_EXAMPLE}`);
  return url;
}

/** Opens the store and applies pending migrations. */
export async function openStore(options: OpenStoreOptions): Promise<ControlPlaneStore> {
  const target = resolveStoreTarget(options);
  if (target.backend === 'postgres') return PostgresStore.open({ ...options.postgres, url: target.url });
  return SqliteStore.open({ path: target.path });
}

/** `sqlite:///abs/path`, `sqlite::memory:` or `sqlite://:memory:` → a path SQLite understands. */
function sqlitePathOf(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '//:memory:') return ':memory:';
  if (!rest.startsWith('///')) {
    throw new StoreConfigError(
      `${STORE_URL_ENV}: a SQLite URL needs an absolute path, as in sqlite:///var/lib/base/control-plane.sqlite3; found ${url}`,
    );
  }
  let path: string;
  try {
    path = decodeURIComponent(rest.slice(2).split(/[?#]/)[0] ?? '');
  } catch {
    throw new StoreConfigError(`${STORE_URL_ENV}: bad percent-encoding in ${url}`);
  }
  if (!isAbsolute(path) || path === '/') {
    throw new StoreConfigError(`${STORE_URL_ENV}: expected sqlite:///absolute/path.sqlite3, found ${url}`);
  }
  return path;
}
