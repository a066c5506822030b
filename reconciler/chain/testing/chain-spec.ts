/**
 * Finds the raw chain spec the offline localnet runs (opentensor/subtensor `scripts/specs/raonet.json`, spec 218).
 * It embeds a compiled runtime, so it is not in this repository. In order:
 *   1. `BASE_SUBTENSOR_SPEC` (a path; used as given, it is the operator's explicit choice),
 *   2. `../shared/fixtures/subtensor/raonet.json` beside the project (checked against the pinned sha256),
 *   3. the download cache (`BASE_SUBTENSOR_SPEC_CACHE`, else `$XDG_CACHE_HOME/base-control-plane`, else
 *      `~/.cache/base-control-plane`), checked likewise,
 *   4. a download from the public repository at a pinned commit, refused unless its sha256 is the pinned one.
 * When none works it throws one line saying how to provide the file; chain tests fail on it, never skip.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The pinned spec. The commit is one where the file has exactly these bytes (found with the code index on
 * opentensor/subtensor; the sha256 is what decides).
 */
export const RAONET_SPEC = {
  fileName: 'raonet.json',
  sha256: 'bb2c7e34390f8fb5032750cc7d80d23f91a47f56fdebf4c35a24c7938b96c57c',
  repository: 'opentensor/subtensor',
  commit: '15f2df47fe8708dc359c97a0ee131d0f6b4bad48',
  path: 'scripts/specs/raonet.json',
  get url(): string {
    return `https://raw.githubusercontent.com/${this.repository}/${this.commit}/${this.path}`;
  },
};

export type ChainSpecSource = 'env' | 'shared' | 'cache' | 'download';

export interface ResolvedChainSpec {
  path: string;
  source: ChainSpecSource;
}

export interface ResolveChainSpecOptions {
  /** Where BASE_SUBTENSOR_SPEC / BASE_SUBTENSOR_SPEC_CACHE / XDG_CACHE_HOME are read from. */
  env?: NodeJS.ProcessEnv;
  sharedPath?: string;
  cacheDir?: string;
  url?: string;
  /** Expected sha256 (hex) of the shared copy, the cache and the download. */
  sha256?: string;
  downloadTimeoutMs?: number;
}

export class ChainSpecUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainSpecUnavailableError';
  }
}

export async function resolveChainSpec(options: ResolveChainSpecOptions = {}): Promise<ResolvedChainSpec> {
  const env = options.env ?? process.env;
  const sha256 = options.sha256 ?? RAONET_SPEC.sha256;
  const url = options.url ?? RAONET_SPEC.url;
  const tried: string[] = [];

  const fromEnv = env.BASE_SUBTENSOR_SPEC;
  if (fromEnv) {
    if (isFile(fromEnv)) return { path: path.resolve(fromEnv), source: 'env' };
    throw new ChainSpecUnavailableError(`BASE_SUBTENSOR_SPEC=${fromEnv} is not a readable file; point it at ${RAONET_SPEC.fileName} (sha256 ${sha256})`);
  }

  const sharedPath = options.sharedPath ?? path.resolve(PROJECT_ROOT, '../shared/fixtures/subtensor', RAONET_SPEC.fileName);
  const shared = checkedFile(sharedPath, sha256);
  if (shared === 'ok') return { path: sharedPath, source: 'shared' };
  tried.push(`${sharedPath}: ${shared}`);

  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const cachePath = path.join(cacheDir, `raonet-${sha256.slice(0, 16)}.json`);
  const cached = checkedFile(cachePath, sha256);
  if (cached === 'ok') return { path: cachePath, source: 'cache' };

  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.downloadTimeoutMs ?? 60_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    const actual = sha256Hex(bytes);
    if (actual !== sha256) {
      throw new ChainSpecUnavailableError(`the chain spec downloaded from ${url} has sha256 ${actual}, expected ${sha256}; refusing to use it`);
    }
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, cachePath);
    return { path: cachePath, source: 'download' };
  } catch (error) {
    if (error instanceof ChainSpecUnavailableError) throw error;
    tried.push(`download ${url}: ${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`);
  }
  throw new ChainSpecUnavailableError(
    `the subtensor chain spec ${RAONET_SPEC.fileName} (sha256 ${sha256}) was not found: set BASE_SUBTENSOR_SPEC=/path/to/${RAONET_SPEC.fileName}, ` +
      `or place it at ${sharedPath}, or let the tests download it from ${url} [tried: ${tried.join('; ')}]`,
  );
}

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.BASE_SUBTENSOR_SPEC_CACHE) return env.BASE_SUBTENSOR_SPEC_CACHE;
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'base-control-plane');
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function checkedFile(file: string, sha256: string): 'ok' | string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
  const actual = sha256Hex(bytes);
  return actual === sha256 ? 'ok' : `sha256 ${actual}, expected ${sha256}`;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
