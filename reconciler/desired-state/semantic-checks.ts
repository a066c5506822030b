/**
 * Rules the JSON Schema cannot say: uniqueness, references between sections, image pinning, emission budget,
 * what env may carry, resource quantities. Each finding names its own rule. The checks read the data defensively,
 * so they also run (and report) when the schema found problems elsewhere.
 */
import { checkBrokerPolicy } from './broker-policy-checks.ts';
import { LINUX_CAPABILITIES, bareCapability, isKnownCapability, isRefusedInProduction, normalizeTmpfsPath, tmpfsPathProblem } from './hardening.ts';
import { checkUpdatePolicies } from './update-policy-checks.ts';
import { isSemverTag, parseImageRef } from './image-ref.ts';
import { describeValue, formatPath } from './problem.ts';
import { parseMemoryBytes, parseNanoCpus } from './resources.ts';
import { closestName } from './suggest.ts';
import type { PathSegment } from './yaml-source.ts';

export interface Finding {
  path: PathSegment[];
  /** 'key' to point at a mapping key instead of its value. */
  target?: 'value' | 'key';
  message: string;
  rule: string;
}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
export const SLUG_MAX_LENGTH = 48;
/** Env names the reconciler sets itself on every challenge. */
export const RESERVED_ENV_NAMES = ['CHALLENGE_DATABASE_URL', 'BASE_CHALLENGE_SLUG', 'CHALLENGE_SHARED_TOKEN_FILE'] as const;
export const RESERVED_LABEL_PREFIX = 'base.';
const LINUX_CAPABILITY_NAMES: readonly string[] = LINUX_CAPABILITIES;
const DEFAULT_ADMIN_TOKEN_SECRET = 'base-admin-token';
/** Sums of decimal percentages (33.3 + 33.3 + 33.4) are not exact in binary floating point. */
const PERCENT_TOLERANCE = 1e-9;

type Dict = Record<string, unknown>;
const asDict = (value: unknown): Dict | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : undefined);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function checkSemantics(data: unknown): Finding[] {
  const root = asDict(data);
  if (!root) return [];
  const findings: Finding[] = [];
  const environment = asString(asDict(root.subnet)?.environment);
  const networks = asList(root.networks);
  const challenges = asList(root.challenges);

  checkUnique(findings, networks, 'networks', 'name', 'network name', 'unique-network-name');
  checkUnique(findings, asList(root.workers), 'workers', 'hostname', 'worker hostname', 'unique-worker-hostname');
  checkUnique(findings, challenges, 'challenges', 'slug', 'slug', 'unique-slug');

  const master = asDict(root.master);
  if (master) checkImage(findings, master.image, ['master', 'image'], environment);
  if (master && environment === 'production' && master.database_url_secret === undefined) {
    findings.push({
      path: ['master'],
      target: 'key',
      message:
        'found no database_url_secret; production needs the name of the Swarm secret holding the control-plane PostgreSQL URL ' +
        '(e.g. database_url_secret: base-database-url, created with docker secret create NAME -), or the master seals no weights',
      rule: 'production-database-url-secret',
    });
  }
  const adminSecret = asString(master?.admin_token_secret) ?? DEFAULT_ADMIN_TOKEN_SECRET;
  const databaseSecret = asString(master?.database_url_secret);
  if (databaseSecret !== undefined && databaseSecret === adminSecret) {
    findings.push({
      path: ['master', 'database_url_secret'],
      message: `found "${databaseSecret}", the admin token secret's name; expected a separate secret holding the PostgreSQL URL`,
      rule: 'database-url-secret-distinct',
    });
  }

  const declared = networks.map((n) => asString(asDict(n)?.name)).filter((n): n is string => n !== undefined);
  const encrypted = networks.filter((n) => asDict(n)?.encrypted !== false && asString(asDict(n)?.name) !== undefined);

  challenges.forEach((item, index) => {
    const challenge = asDict(item);
    if (!challenge) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['challenges', index, ...rest];
    checkSlug(findings, challenge.slug, at('slug'));
    checkImage(findings, challenge.image, at('image'), environment);
    checkEmission(findings, challenge.emission_percent, at('emission_percent'));
    checkNetworks(findings, challenge, at, declared, encrypted.length > 0);
    checkEnv(findings, asDict(challenge.env), at);
    checkResources(findings, asDict(challenge.resources), at);
    checkHardening(findings, asDict(challenge.hardening), at, environment);
    checkSignedRoutes(findings, asList(challenge.signed_routes), at);
    asList(challenge.secrets).forEach((secret, i) => {
      if (secret === adminSecret) {
        findings.push({
          path: at('secrets', i),
          message: `found "${adminSecret}", the master's admin token secret; a challenge must never receive the admin token`,
          rule: 'secret-admin-token',
        });
      } else if (databaseSecret !== undefined && secret === databaseSecret) {
        findings.push({
          path: at('secrets', i),
          message: `found "${databaseSecret}", the master's control-plane database URL secret; a challenge must never receive it (it gets its own CHALLENGE_DATABASE_URL)`,
          rule: 'secret-database-url',
        });
      }
    });
  });
  checkEmissionSum(findings, challenges);

  asList(root.workers).forEach((worker, index) => {
    const labels = asDict(asDict(worker)?.labels) ?? {};
    for (const name of Object.keys(labels)) {
      if (name.toLowerCase().startsWith(RESERVED_LABEL_PREFIX)) {
        findings.push({
          path: ['workers', index, 'labels', name],
          target: 'key',
          message: `found the label "${name}"; the "${RESERVED_LABEL_PREFIX}" prefix is reserved for labels the reconciler sets (use workload for base.workload)`,
          rule: 'worker-label-reserved-prefix',
        });
      }
    }
  });

  checkDevelopmentMetagraph(findings, root, environment);
  checkVectorExpiry(findings, asDict(root.subnet));
  const broker = asDict(root.broker);
  if (broker) checkImage(findings, broker.image, ['broker', 'image'], environment);
  checkBrokerPolicy(findings, root, environment);
  checkUpdatePolicies(findings, root);
  return findings;
}

/** A vector that expires before the next one is sealed leaves validators without a valid vector for part of every epoch. */
function checkVectorExpiry(findings: Finding[], subnet: Dict | undefined): void {
  const expiry = subnet?.vector_expiry_seconds;
  const interval = subnet?.epoch_interval_seconds;
  if (typeof expiry !== 'number' || typeof interval !== 'number' || expiry >= interval) return;
  findings.push({
    path: ['subnet', 'vector_expiry_seconds'],
    message:
      `found ${expiry}, shorter than epoch_interval_seconds (${interval}): each vector would expire ${interval - expiry} s before the next is sealed; ` +
      `expected at least ${interval} (or leave it out for the default, ${interval} + 720)`,
    rule: 'vector-expiry-covers-epoch',
  });
}

function checkUnique(findings: Finding[], items: unknown[], section: string, field: string, what: string, rule: string): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const value = asString(asDict(item)?.[field]);
    if (value === undefined) return;
    const key = rule === 'unique-worker-hostname' ? value.toLowerCase() : value;
    const earlier = firstIndex.get(key);
    if (earlier === undefined) {
      firstIndex.set(key, index);
      return;
    }
    findings.push({
      path: [section, index, field],
      message: `found the ${what} "${value}" again (first at ${formatPath([section, earlier])}); expected each ${what} once`,
      rule,
    });
  });
}

function checkSlug(findings: Finding[], slug: unknown, path: PathSegment[]): void {
  if (typeof slug !== 'string') return;
  if (slug.length > SLUG_MAX_LENGTH) {
    findings.push({ path, message: `found a slug of ${slug.length} characters, expected at most ${SLUG_MAX_LENGTH}`, rule: 'slug-format' });
  } else if (!SLUG_PATTERN.test(slug)) {
    findings.push({
      path,
      message: `found ${describeValue(slug)}, expected a slug of lower-case letters, digits and '-', starting and ending with a letter or digit (at least 2 characters)`,
      rule: 'slug-format',
    });
  }
}

function checkImage(findings: Finding[], image: unknown, path: PathSegment[], environment: string | undefined): void {
  if (typeof image !== 'string' || image.length === 0) return;
  const ref = parseImageRef(image);
  if (!ref) {
    findings.push({ path, message: `found ${describeValue(image)}, ${imageRefProblem(image)}`, rule: 'image-ref' });
    return;
  }
  if (environment !== 'production') return;
  const missing: string[] = [];
  if (ref.tag === undefined) missing.push('a tag (SemVer or latest)');
  else if (ref.tag !== 'latest' && !isSemverTag(ref.tag)) missing.push(`a SemVer or latest tag instead of "${ref.tag}"`);
  if (ref.digest === undefined) missing.push('a digest (@sha256:<64 hex>)');
  if (missing.length > 0) {
    findings.push({
      path,
      message: `found ${describeValue(image)}; production requires ${missing.join(' and ')}, e.g. registry/repository:1.2.3@sha256:<64 hex>`,
      rule: 'production-image-pinned',
    });
  }
}

function imageRefProblem(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0 && !/^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1))) return 'expected the digest after "@" to be sha256:<64 lower-case hex>';
  if (/\s/.test(image)) return 'expected an image reference without spaces';
  const name = at >= 0 ? image.slice(0, at) : image;
  const path = name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
  if (/[A-Z]/.test(path.replace(/:[^/]*$/, ''))) return 'expected a lower-case repository name';
  return 'expected an image reference like registry/repository:tag@sha256:<64 hex>';
}

/**
 * A signed route's path is matched on the proxy's canonical segments, where `.` and `..` are resolved away: such a
 * segment would never match. The same method and path declared twice is a copy-paste slip.
 */
function checkSignedRoutes(findings: Finding[], routes: unknown[], at: (...rest: PathSegment[]) => PathSegment[]): void {
  const seen = new Map<string, number>();
  routes.forEach((item, index) => {
    const route = asDict(item);
    const path = asString(route?.path);
    if (path === undefined) return;
    if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
      findings.push({
        path: at('signed_routes', index, 'path'),
        message: `found ${describeValue(path)}, expected a path without "." or ".." segments (the proxy resolves them before matching)`,
        rule: 'signed-route-path',
      });
    }
    // {id} and {name} match the same requests.
    const shape = path.replace(/\{[^}]*\}/g, '{}');
    for (const method of asList(route?.methods)) {
      const key = `${String(method)} ${shape}`;
      const earlier = seen.get(key);
      if (earlier === undefined) {
        seen.set(key, index);
        continue;
      }
      findings.push({
        path: at('signed_routes', index),
        message: `found ${String(method)} ${path} again (first at ${formatPath(at('signed_routes', earlier))}); expected each method and path once`,
        rule: 'signed-route-unique',
      });
    }
  });
}

function checkEmission(findings: Finding[], value: unknown, path: PathSegment[]): void {
  if (typeof value !== 'number') return;
  // Non-finite values (.inf, .nan) already fail the schema's type check (ajv strictNumbers).
  if (Number.isFinite(value) && value < 0) {
    findings.push({ path, message: `found ${describeValue(value)}, expected a number >= 0 (a share of 100)`, rule: 'emission-percent' });
  }
}

function checkEmissionSum(findings: Finding[], challenges: unknown[]): void {
  let sum = 0;
  const parts: string[] = [];
  let overflowAt: number | undefined;
  challenges.forEach((item, index) => {
    const challenge = asDict(item);
    const percent = challenge?.emission_percent;
    if (challenge?.status !== 'active' || typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0) return;
    sum += percent;
    parts.push(`${asString(challenge.slug) ?? `challenges[${index}]`} ${percent}`);
    if (overflowAt === undefined && sum > 100 + PERCENT_TOLERANCE) overflowAt = index;
  });
  if (overflowAt !== undefined) {
    findings.push({
      path: ['challenges', overflowAt, 'emission_percent'],
      message: `active challenges' emission_percent add up to ${Number(sum.toFixed(6))} (${parts.join(', ')}), expected at most 100`,
      rule: 'emission-sum',
    });
  }
}

function checkNetworks(
  findings: Finding[],
  challenge: Dict,
  at: (...rest: PathSegment[]) => PathSegment[],
  declared: string[],
  hasEncryptedNetwork: boolean,
): void {
  if (challenge.networks === undefined) {
    if (!hasEncryptedNetwork) {
      findings.push({
        path: at(),
        message: 'lists no networks and no encrypted network is declared, so it would join none; expected a "networks" list or an encrypted network under networks',
        rule: 'challenge-without-network',
      });
    }
    return;
  }
  if (Array.isArray(challenge.networks) && challenge.networks.length === 0) {
    findings.push({
      path: at('networks'),
      message: 'found an empty list, so the challenge would join no network; expected at least one network (the master reaches challenges over the overlay)',
      rule: 'challenge-without-network',
    });
  }
  asList(challenge.networks).forEach((name, i) => {
    if (typeof name !== 'string' || declared.includes(name)) return;
    findings.push({
      path: at('networks', i),
      message: `found the network "${name}", which is not declared; ${networkHint(name, declared)}`,
      rule: 'network-exists',
    });
  });
}

function networkHint(name: string, declared: string[]): string {
  if (declared.length === 0) return 'declare it under networks';
  const guess = closestName(name, declared);
  return guess ? `did you mean "${guess}"?` : `expected one of ${declared.join(', ')}`;
}

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|_KEY$/i;
const POSTGRES_URL = /^\s*postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i;

function checkEnv(findings: Finding[], env: Dict | undefined, at: (...rest: PathSegment[]) => PathSegment[]): void {
  if (!env) return;
  for (const [name, value] of Object.entries(env)) {
    const path = at('env', name);
    const upper = name.toUpperCase();
    if ((RESERVED_ENV_NAMES as readonly string[]).includes(upper)) {
      findings.push({ path, target: 'key', message: `found ${name}, which the reconciler sets itself; remove it from env`, rule: 'env-reserved-name' });
    } else if (upper.includes('DATABASE_URL')) {
      findings.push({
        path,
        target: 'key',
        message: `found ${name}; env must not carry database URLs (a challenge gets its own CHALLENGE_DATABASE_URL, and never the control plane's)`,
        rule: 'env-database-url',
      });
    } else if (typeof value === 'string' && POSTGRES_URL.test(value)) {
      // The value is never echoed: it may hold a password.
      findings.push({
        path,
        message: `found a PostgreSQL URL in ${name}; env must not point at a control-plane database (a database URL belongs in secrets)`,
        rule: 'env-database-url',
      });
    } else if (SECRET_NAME.test(name) && !isSecretFileReference(upper, value)) {
      findings.push({
        path,
        message: `found a value under ${name}, a name that looks secret; put it in a Swarm secret and list that under secrets (env is visible in the service spec)`,
        rule: 'env-secret-value',
      });
    }
  }
}

/** `API_TOKEN_FILE=/run/secrets/api_token` names where a secret is mounted, which is the recommended pattern. */
function isSecretFileReference(upperName: string, value: unknown): boolean {
  return upperName.endsWith('_FILE') && typeof value === 'string' && /^\/run\/secrets\/[^\s]+$/.test(value);
}

function checkResources(findings: Finding[], resources: Dict | undefined, at: (...rest: PathSegment[]) => PathSegment[]): void {
  if (!resources) return;
  const memory = resources.memory;
  if (typeof memory === 'string' || typeof memory === 'number') {
    const bytes = parseMemoryBytes(memory);
    if (bytes === null) {
      findings.push({ path: at('resources', 'memory'), message: `found ${describeValue(memory)}, expected a size like 512M, 4GiB, 1.5g or a number of bytes`, rule: 'resources-memory' });
    } else if (bytes <= 0) {
      findings.push({ path: at('resources', 'memory'), message: `found ${describeValue(memory)}, expected more than 0 bytes`, rule: 'resources-memory' });
    }
  }
  const cpus = resources.cpus;
  if (typeof cpus === 'string' || typeof cpus === 'number') {
    const nano = parseNanoCpus(cpus);
    if (nano === null) {
      findings.push({ path: at('resources', 'cpus'), message: `found ${describeValue(cpus)}, expected a number of CPUs like 2 or 0.5 (at most 9 decimals)`, rule: 'resources-cpus' });
    } else if (nano <= 0) {
      findings.push({ path: at('resources', 'cpus'), message: `found ${describeValue(cpus)}, expected more than 0 CPUs`, rule: 'resources-cpus' });
    }
  }
}

/**
 * Capabilities must be real ones (Docker refuses an unknown name only when the task starts); production refuses
 * those that amount to host control. A tmpfs must not cover the root, /data, the secrets or the kernel's mounts.
 */
function checkHardening(findings: Finding[], hardening: Dict | undefined, at: (...rest: PathSegment[]) => PathSegment[], environment: string | undefined): void {
  if (!hardening) return;
  const seen = new Map<string, number>();
  asList(hardening.capabilities_add).forEach((item, index) => {
    if (typeof item !== 'string') return;
    const path = at('hardening', 'capabilities_add', index);
    const bare = bareCapability(item);
    if (bare !== 'ALL' && !isKnownCapability(item)) {
      const guess = closestName(bare, LINUX_CAPABILITY_NAMES);
      findings.push({
        path,
        message: `found ${describeValue(item)}, which is not a Linux capability; expected a name like NET_BIND_SERVICE${guess ? ` (did you mean "${guess}"?)` : ''}`,
        rule: 'hardening-capability-known',
      });
      return;
    }
    const earlier = seen.get(bare);
    if (earlier !== undefined) {
      findings.push({ path, message: `found ${bare} again (first at ${formatPath(at('hardening', 'capabilities_add', earlier))}); expected each capability once`, rule: 'hardening-capability-unique' });
      return;
    }
    seen.set(bare, index);
    if (environment === 'production' && isRefusedInProduction(item)) {
      findings.push({
        path,
        message:
          bare === 'ALL'
            ? 'found ALL; production refuses giving a challenge every capability (it runs on the manager, next to the Docker socket): list only the ones it needs'
            : `found ${item}, a capability that amounts to control of the host; production refuses it for a challenge (it runs on the manager, next to the Docker socket)`,
        rule: 'hardening-capability-production',
      });
    }
  });
  const targets = new Map<string, string>();
  for (const [target, size] of Object.entries(asDict(hardening.tmpfs) ?? {})) {
    const path = at('hardening', 'tmpfs', target);
    const normalized = normalizeTmpfsPath(target);
    const problem = normalized === null ? null : tmpfsPathProblem(normalized);
    if (normalized === null || problem !== null) {
      findings.push({
        path,
        target: 'key',
        message: normalized === null ? `found ${describeValue(target)}, expected an absolute path without "." or ".." segments, e.g. /var/cache` : `found ${describeValue(target)}; a tmpfs there would cover ${problem}, expected another absolute path, e.g. /var/cache`,
        rule: 'hardening-tmpfs-path',
      });
      continue;
    }
    const earlier = targets.get(normalized);
    if (earlier !== undefined) {
      findings.push({ path, target: 'key', message: `found ${describeValue(target)}, the same path as ${describeValue(earlier)}; expected each tmpfs path once`, rule: 'hardening-tmpfs-path' });
      continue;
    }
    targets.set(normalized, target);
    if (typeof size !== 'string' && typeof size !== 'number') continue;
    const bytes = parseMemoryBytes(size);
    if (bytes === null || bytes <= 0) {
      findings.push({ path, message: `found ${describeValue(size)}, expected a size of more than 0 bytes like 256MiB, 1G or a number of bytes`, rule: 'hardening-tmpfs-size' });
    }
  }
}

function checkDevelopmentMetagraph(findings: Finding[], root: Dict, environment: string | undefined): void {
  const metagraph = asDict(root.development_metagraph);
  if (!metagraph) return;
  if (environment === 'production') {
    findings.push({
      path: ['development_metagraph'],
      target: 'key',
      message: 'found development_metagraph in a production file; production reads the metagraph from the chain (remove it, or set subnet.environment: development)',
      rule: 'development-metagraph-in-production',
    });
  }
  const owner = new Map<number, string>();
  for (const [hotkey, uid] of Object.entries(metagraph)) {
    if (typeof uid !== 'number') continue;
    const earlier = owner.get(uid);
    if (earlier === undefined) owner.set(uid, hotkey);
    else {
      findings.push({
        path: ['development_metagraph', hotkey],
        message: `found uid ${uid} again (already given to ${earlier}); expected each uid once`,
        rule: 'metagraph-unique-uid',
      });
    }
  }
}
