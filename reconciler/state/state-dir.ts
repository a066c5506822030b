/**
 * The reconciler's state folder: secret values the reconciler mints itself and must keep forever.
 *  - one challenge token per slug (32 random bytes, hex), minted on first deploy, reused on re-activation;
 *  - the master signing key seed (sr25519 seed, 32 bytes, 0x-hex).
 * Files are 0600 in a 0700 folder. Values never leave this module except through `readSecretValue`, whose caller
 * (the executor) sends them in a Docker API request body. Swarm secrets are immutable, so the Swarm secret name
 * carries a content hash: challenge-<slug>-token-<hash12>, <master service>-signing-key-<hash12> (base-master by default).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { APPLIED_DESIRED_STATE_FILE, MASTER_SERVICE_NAME, signingKeySecretPrefix } from '../plan/compile.ts';
import type { SecretIntent } from '../plan/model.ts';

export const DEFAULT_STATE_DIR = '/var/lib/base/reconciler';
export const STATE_DIR_ENV = 'BASE_STATE_DIR';

const TOKENS_SUBDIR = 'tokens';
/** The last applied desired state, readable by the master (bind-mounted): the only non-private part of the folder. */
const APPLIED_SUBDIR = 'applied-desired-state';
const MASTER_SEED_FILE = 'master-signing-key.seed';
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$/;

/** The folder to use: an explicit option, else $BASE_STATE_DIR, else the default. */
export function resolveStateDir(option?: string | null): string {
  return path.resolve(option || process.env[STATE_DIR_ENV] || DEFAULT_STATE_DIR);
}

/** First 12 hex characters of sha256(value): the content hash carried by a secret's name. */
export function contentHash12(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

export function challengeTokenSecretName(slug: string, value: string | Buffer): string {
  return `challenge-${slug}-token-${contentHash12(value)}`;
}

/** `<master service name>-signing-key-<hash12>`: each master on a Swarm (`master.service_name`) has its own. */
export function masterSigningKeySecretName(value: string | Buffer, serviceName: string = MASTER_SERVICE_NAME): string {
  return `${signingKeySecretPrefix(serviceName)}${contentHash12(value)}`;
}

export class StateDir {
  constructor(readonly dir: string) {}

  private tokenFile(slug: string): string {
    if (!SLUG_PATTERN.test(slug) || slug.length > 48) {
      throw new Error(`state folder: invalid challenge slug ${JSON.stringify(slug)} (expected ^[a-z0-9][a-z0-9-]*[a-z0-9]$)`);
    }
    return path.join(this.dir, TOKENS_SUBDIR, `${slug}.token`);
  }

  private masterSeedFile(): string {
    return path.join(this.dir, MASTER_SEED_FILE);
  }

  /** Read-only: secret names of the tokens that already exist (slugs without a token are absent). */
  async tokenSecretNames(slugs: Iterable<string>): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const slug of slugs) {
      const value = await readIfExists(this.tokenFile(slug));
      if (value !== null) names.set(slug, challengeTokenSecretName(slug, value));
    }
    return names;
  }

  /** Mints the missing tokens (never replaces one) and returns slug → secret name for all of them. */
  async ensureTokens(slugs: Iterable<string>): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const slug of slugs) {
      const value = await this.ensureValue(this.tokenFile(slug), () => randomBytes(32).toString('hex'));
      names.set(slug, challengeTokenSecretName(slug, value));
    }
    return names;
  }

  /** Read-only: the master signing key's secret name, or null when no seed was minted yet. */
  async masterSigningKeySecretName(serviceName: string = MASTER_SERVICE_NAME): Promise<string | null> {
    const value = await readIfExists(this.masterSeedFile());
    return value === null ? null : masterSigningKeySecretName(value, serviceName);
  }

  /** Mints the master signing key seed if missing and returns its secret name. */
  async ensureMasterSigningKey(serviceName: string = MASTER_SERVICE_NAME): Promise<string> {
    const value = await this.ensureValue(this.masterSeedFile(), () => `0x${randomBytes(32).toString('hex')}`);
    return masterSigningKeySecretName(value, serviceName);
  }

  /**
   * The value a secret intent stands for, checked against the content hash in its name (a mismatch means the
   * plan was made from a different state folder: creating it would mount the wrong value).
   */
  async readSecretValue(intent: SecretIntent): Promise<Buffer> {
    const file = intent.source.type === 'challenge-token' ? this.tokenFile(intent.source.slug) : this.masterSeedFile();
    const value = await readIfExists(file);
    if (value === null) {
      throw new Error(`state folder ${this.dir}: no value for secret ${intent.name} (missing ${path.relative(this.dir, file)}); run base apply, which mints it`);
    }
    // The signing key's name starts with its master's service name, whichever that is; the hash must match.
    const expected =
      intent.source.type === 'challenge-token'
        ? challengeTokenSecretName(intent.source.slug, value)
        : `${intent.name.slice(0, intent.name.lastIndexOf('-') + 1)}${contentHash12(value)}`;
    if (expected !== intent.name) {
      throw new Error(`state folder ${this.dir}: secret ${intent.name} does not match the stored value's content hash (stored value gives ${expected}); re-plan with this state folder`);
    }
    return Buffer.from(value, 'utf8');
  }

  /** The folder the master mounts (compile's appliedDesiredStateDir); it holds only the applied desired state. */
  appliedDesiredStateDir(): string {
    return path.join(this.dir, APPLIED_SUBDIR);
  }

  /** Creates the folder (0755) so the master's bind mount has a source before the first copy is written. */
  async ensureAppliedDesiredStateDir(): Promise<void> {
    await ensurePrivateDir(this.dir);
    await fs.mkdir(this.appliedDesiredStateDir(), { recursive: true });
    await fs.chmod(this.appliedDesiredStateDir(), 0o755);
  }

  async hasAppliedDesiredState(): Promise<boolean> {
    return fs.access(path.join(this.appliedDesiredStateDir(), APPLIED_DESIRED_STATE_FILE)).then(() => true, () => false);
  }

  /**
   * Replaces the applied copy (0644, written to a temp file then renamed: the master never reads half a file).
   * The text is the validated state as applied, so it holds no secret value (env values that look secret are refused).
   */
  async writeAppliedDesiredState(text: string): Promise<void> {
    await this.ensureAppliedDesiredStateDir();
    const file = path.join(this.appliedDesiredStateDir(), APPLIED_DESIRED_STATE_FILE);
    // Unchanged: left alone, so the master (which reloads on a new mtime) does not re-read it every drift interval.
    if ((await fs.readFile(file, 'utf8').catch(() => null)) === text) return;
    const temp = await writeTempBeside(file, text, 0o644);
    try {
      await fs.rename(temp, file);
    } catch (error) {
      await fs.unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /** Path of the file holding a challenge token (tests compare it with the mounted copy). */
  tokenPath(slug: string): string {
    return this.tokenFile(slug);
  }

  private async ensureValue(file: string, mint: () => string): Promise<string> {
    const existing = await readIfExists(file);
    if (existing !== null) return existing;
    await ensurePrivateDir(this.dir);
    await ensurePrivateDir(path.dirname(file));
    // Write to a private temp file, then link(2) it into place: link fails if the name exists, so two concurrent
    // minters agree on one value and a crash never leaves a half-written token under the real name.
    const temp = await writeTempBeside(file, mint(), 0o600);
    try {
      await fs.link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await fs.unlink(temp).catch(() => undefined);
    }
    const value = await readIfExists(file);
    if (value === null) throw new Error(`state folder ${this.dir}: ${path.basename(file)} vanished right after it was written`);
    return value;
  }
}

/**
 * Writes `text` to a new, synced temp file next to `file` with exactly `mode` (whatever the umask) and returns its
 * path; the caller moves it into place.
 */
async function writeTempBeside(file: string, text: string, mode: number): Promise<string> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Opens (does not create) the state folder; it is created 0700 on the first mint. */
export function openStateDir(dir?: string | null): StateDir {
  return new StateDir(resolveStateDir(dir));
}

async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    const value = (await fs.readFile(file, 'utf8')).trim();
    if (value === '') throw new Error(`state folder: ${file} is empty; restore it from backup (a new value would change the secret)`);
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
