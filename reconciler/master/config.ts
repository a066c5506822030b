/**
 * The master's settings, from `base serve` flags and the environment the reconciler gives the `base-master`
 * service (BASE_MASTER_PORT, BASE_ADMIN_TOKEN_FILE, BASE_MASTER_SIGNING_KEY_FILE, BASE_DATABASE_URL_FILE). Secrets are
 * only ever named by file (or, for the store URL in development, by BASE_DATABASE_URL), never passed in argv.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors/user-error.ts';
import { StoreConfigError } from '../store/errors.ts';
import { storeUrlFromEnvironment } from '../store/open-store.ts';

export const DEFAULT_MASTER_PORT = 18080;

export interface MasterConfig {
  port: number;
  host: string;
  /** Desired-state file: the registry and (without --upstream) the upstream map come from it. */
  desiredFile: string;
  /** Static slug → origin map; when non-empty it replaces the overlay upstreams. */
  upstreams: Map<string, string>;
  adminTokenFile: string | null;
  signingKeyFile: string | null;
  stateDir: string | null;
  /** Docker Engine to read task states from and to plan/reconcile against; null = none (dev). */
  dockerHost: string | null;
  /**
   * The control-plane store URL (the file named by BASE_DATABASE_URL_FILE, or BASE_DATABASE_URL; never argv); null =
   * the development SQLite in stateDir, if any. Never logged.
   */
  storeUrl: string | null;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** Background reconcile passes every this many ms; 0 = only on `POST /admin/reconcile`. */
  reconcileIntervalMs: number;
  shutdownGraceMs: number;
  /** `X-Forwarded-Proto` towards challenges; default: from the client connection. */
  forwardedProto?: 'http' | 'https';
}

export function portNumber(value: string, flag: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(`${flag}: expected a TCP port 1-65535, found ${JSON.stringify(value)}`);
  }
  return port;
}

export function millis(value: string, flag: string, min = 0): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < min) {
    throw new UserError(`${flag}: expected a number of seconds${min > 0 ? ` of at least ${min}` : ''}, found ${JSON.stringify(value)}`);
  }
  return Math.round(seconds * 1000);
}

/** Reads the admin token file; an empty or missing file is a start-up error naming the file, never the content. */
export async function readAdminToken(file: string | null): Promise<string | null> {
  if (file === null) return null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(`admin token file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const token = text.trim();
  if (token.length < 16) throw new UserError(`admin token file ${file}: the token must be at least 16 characters`);
  return token;
}

/** The store URL from BASE_DATABASE_URL_FILE / BASE_DATABASE_URL; a bad setting is a start-up error (no URL in it). */
export async function readStoreUrl(env: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    return await storeUrlFromEnvironment(env);
  } catch (error) {
    if (error instanceof StoreConfigError) throw new UserError(error.message);
    throw error;
  }
}
