import { sqlitePathFromUrl } from './database-url.ts';
import { CHALLENGE_SLUG } from './identity.ts';

export interface ChallengeConfig {
  slug: string;
  port: number;
  host: string;
  /** SQLite file (or `:memory:`). */
  databasePath: string;
  /** File holding the shared token the master sends to `/internal/v1/get_weights`; null: none configured (503). */
  tokenFile: string | null;
  /** Epoch the weights answer names: floor(unix seconds / this). */
  epochSeconds: number;
  /** How long a graceful shutdown waits for requests in flight. */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} is ${JSON.stringify(raw)}, expected a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Reads the configuration from the environment the reconciler gives a challenge service. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ChallengeConfig {
  const slug = env.BASE_CHALLENGE_SLUG || CHALLENGE_SLUG;
  let databasePath: string;
  try {
    databasePath = sqlitePathFromUrl(env.CHALLENGE_DATABASE_URL ?? 'sqlite+aiosqlite:////data/challenge.sqlite3');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return {
    slug,
    port: integer(env, 'PORT', 8000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databasePath,
    tokenFile: env.CHALLENGE_SHARED_TOKEN_FILE || null,
    epochSeconds: integer(env, 'CHALLENGE_EPOCH_SECONDS', 360, 1, 86_400 * 365),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 8_000, 0, 600_000),
  };
}
