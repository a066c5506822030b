/**
 * Desired state → intents (pure). Every default is resolved here exactly as Docker will report it, so that the
 * normalized compiled spec of a converged service equals the normalized live spec.
 */
import type Docker from 'dockerode';
import path from 'node:path';
import type { Challenge, SubnetDesiredState } from '../desired-state/subnet.types.ts';
import { bareCapability, dockerCapability, normalizeTmpfsPath } from '../desired-state/hardening.ts';
import { parseMemoryBytes, parseNanoCpus } from '../desired-state/resources.ts';
import { datasetNodeLabel, effectiveJobsPolicy, jobsPolicyText } from '../desired-state/broker-policy.ts';
import { effectiveSignedRoutes, signedRoutesText } from '../desired-state/signed-routes.ts';
import {
  CHALLENGE_SLUG_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OBJECT_ROLE_LABEL,
  PENDING_SECRET_NAME_SUFFIX,
  type Intent,
  type NetworkIntent,
  type NodeIntent,
  type SecretIntent,
  type ServiceIntent,
  type VolumeIntent,
} from './model.ts';

export const CHALLENGE_DATABASE_URL = 'sqlite+aiosqlite:////data/challenge.sqlite3';
export const CHALLENGE_TOKEN_TARGET = '/run/secrets/base/challenge_token';
export const ADMIN_TOKEN_TARGET = '/run/secrets/base/admin_token';
export const SIGNING_KEY_TARGET = '/run/secrets/base/master_signing_key';
/** Where the master reads the control-plane PostgreSQL URL (master.database_url_secret); env names only this path. */
export const DATABASE_URL_TARGET = '/run/secrets/base/database_url';
/** Where each challenge's data volume is mounted in its container. */
export const CHALLENGE_DATA_TARGET = '/data';
export const DOCKER_SOCKET = '/var/run/docker.sock';
export const MASTER_SERVICE_NAME = 'base-master';
/** The master's copy of every active challenge's token: `<dir>/<slug>` (its weights loop collects with them). */
export const MASTER_TOKENS_DIR = '/run/secrets/base/tokens';
/** The master's state folder (development SQLite store) on a managed volume, kept across restarts. */
export const MASTER_DATA_VOLUME = masterDataVolumeName(MASTER_SERVICE_NAME);
export const MASTER_STATE_DIR = '/var/lib/base';
/**
 * Where the master sees the reconciler's copy of the last applied desired state (its folder bind-mounted read-only;
 * the file is replaced by rename, which a file bind mount would not follow). The master re-reads it on its probe
 * interval, so an applied change reaches its registry and weights loop without a restart or a new image.
 */
export const MASTER_DESIRED_STATE_DIR = '/etc/base/desired-state';
export const APPLIED_DESIRED_STATE_FILE = 'subnet.yaml';
export const DEFAULT_MASTER_PORT = 18080;
export const DEFAULT_ADMIN_TOKEN_SECRET = 'base-admin-token';
export const DEFAULT_CHALLENGE_PORT = 8000;
/** The non-root user challenge and master images run as. */
export const SERVICE_UID = '1000';
export const GPU_RESOURCE_KIND = 'NVIDIA-GPU';

const MIB = 1024 * 1024;
/**
 * How every challenge service runs unless its `hardening:` says otherwise — the reference platform's defaults
 * (read-only root, init, all capabilities dropped, 512 processes, a 512 MiB noexec,nosuid tmpfs on /tmp) plus an
 * open-files limit. All of them live in the task template: changing one replaces the service's tasks.
 */
export const CHALLENGE_HARDENING = {
  pids: 512,
  tmpPath: '/tmp',
  tmpSizeBytes: 512 * MIB,
  nofile: 1024,
} as const;
/**
 * World-writable with the sticky bit, like a host's /tmp. Docker 20.10 mounts a Swarm tmpfs `rw,nosuid,nodev,noexec`
 * (its API has no field for the flags; checked on the test bed), which is what the defaults want.
 */
export const TMPFS_MODE = 0o1777;
/** The master's /tmp (Node and SQLite scratch only; its state lives on its data volume). */
export const MASTER_TMP_SIZE_BYTES = 64 * MIB;
/** The master runs node, and nothing else: far fewer processes than a challenge may need. */
export const MASTER_PIDS_LIMIT = 256;

/** Labels on nodes: the workload class, and the list of label keys the reconciler manages there. */
export const WORKLOAD_LABEL = 'base.workload';
export const MANAGED_NODE_LABELS_LABEL = 'base.managed-labels';

export const SERVICE_LABELS = {
  emissionPercent: 'base.challenge.emission-percent',
  version: 'base.challenge.version',
  name: 'base.challenge.name',
  port: 'base.challenge.port',
  /** The routes on which the miner signature headers pass (read by the master from the desired state; shown here). */
  signedRoutes: 'base.challenge.signed-routes',
  /** The challenge's broker grant, every default filled in (read by the broker from the desired state; shown here). */
  jobsPolicy: 'base.challenge.jobs-policy',
} as const;

export const ROLES = {
  network: 'network',
  challenge: 'challenge',
  challengeToken: 'challenge-token',
  challengeData: 'challenge-data',
  master: 'master',
  masterSigningKey: 'master-signing-key',
} as const;

const SECOND = 1_000_000_000;
export const STOP_GRACE_PERIOD_NS = 10 * SECOND;
export const RESTART_POLICY: Docker.TaskRestartPolicy = { Condition: 'on-failure', Delay: 5 * SECOND, MaxAttempts: 3 };
export const UPDATE_CONFIG: Docker.UpdateConfig = {
  Parallelism: 1,
  FailureAction: 'rollback',
  Monitor: 15 * SECOND,
  Order: 'stop-first',
};
export const ROLLBACK_CONFIG: Docker.UpdateConfig = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 15 * SECOND,
  Order: 'stop-first',
};

export const challengeServiceName = (slug: string): string => `challenge-${slug}`;
export const challengeVolumeName = (slug: string): string => `challenge-${slug}-data`;
export const pendingTokenSecretName = (slug: string): string => `challenge-${slug}-token-${PENDING_SECRET_NAME_SUFFIX}`;
/** The master's Swarm service name: `master.service_name`, else base-master. */
export function masterServiceName(state: Pick<SubnetDesiredState, 'master'>): string {
  return state.master.service_name ?? MASTER_SERVICE_NAME;
}
export function masterDataVolumeName(serviceName: string): string {
  return `${serviceName}-data`;
}
/** The prefix of the master signing key's secret names (the content hash follows it). */
export const signingKeySecretPrefix = (serviceName: string = MASTER_SERVICE_NAME): string => `${serviceName}-signing-key-`;
export const pendingSigningKeySecretName = (serviceName: string = MASTER_SERVICE_NAME): string => `${signingKeySecretPrefix(serviceName)}${PENDING_SECRET_NAME_SUFFIX}`;

export interface CompileOptions {
  /** slug → current token secret name (`challenge-<slug>-token-<hash12>`); missing slugs get a pending name. */
  tokenSecretNames?: Readonly<Record<string, string>>;
  /** Current master signing key secret name; missing → pending. */
  signingKeySecretName?: string | null;
  /** Group owning the Docker socket on the manager (`stat -c %g`): the master joins it; omitted → no extra group. */
  dockerSocketGid?: number;
  /**
   * Absolute path, on the manager, of the folder holding the reconciler's copy of the last applied desired state
   * (in its state folder): mounted into the master; omitted → the master reads the copy in its image.
   */
  appliedDesiredStateDir?: string;
}

const managed = (extra: Record<string, string> = {}): Record<string, string> => ({ [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, ...extra });

function sortedEnv(env: Record<string, string>): string[] {
  return Object.keys(env)
    .sort()
    .map((key) => `${key}=${env[key]}`);
}

export function compile(state: SubnetDesiredState, options: CompileOptions = {}): Intent[] {
  const intents: Intent[] = [];
  const networks = state.networks.map(compileNetwork);
  intents.push(...networks);
  const defaultNetworks = networks.filter((n) => n.encrypted).map((n) => n.name);
  const masterTokens: Array<{ slug: string; secretName: string }> = [];

  for (const challenge of state.challenges) {
    if (challenge.status !== 'active') continue;
    const tokenName = options.tokenSecretNames?.[challenge.slug] ?? pendingTokenSecretName(challenge.slug);
    const token: SecretIntent = {
      kind: 'secret',
      name: tokenName,
      labels: managed({ [CHALLENGE_SLUG_LABEL]: challenge.slug, [OBJECT_ROLE_LABEL]: ROLES.challengeToken }),
      source: { type: 'challenge-token', slug: challenge.slug },
    };
    const volume: VolumeIntent = {
      kind: 'volume',
      name: challengeVolumeName(challenge.slug),
      labels: managed({ [CHALLENGE_SLUG_LABEL]: challenge.slug }),
    };
    intents.push(token, volume, compileChallengeService(challenge, tokenName, defaultNetworks));
    masterTokens.push({ slug: challenge.slug, secretName: tokenName });
  }

  const masterName = masterServiceName(state);
  const signingKeyName = options.signingKeySecretName ?? pendingSigningKeySecretName(masterName);
  intents.push({
    kind: 'secret',
    name: signingKeyName,
    labels: managed({ [OBJECT_ROLE_LABEL]: ROLES.masterSigningKey }),
    source: { type: 'master-signing-key' },
  });
  intents.push({ kind: 'volume', name: masterDataVolumeName(masterName), labels: managed({ [OBJECT_ROLE_LABEL]: ROLES.master }) });
  intents.push(compileMasterService(state, signingKeyName, masterTokens, options.dockerSocketGid, options.appliedDesiredStateDir));
  for (const worker of state.workers ?? []) intents.push(compileWorker(worker, state.broker?.datasets ?? []));
  return intents;
}

export function compileNetwork(network: SubnetDesiredState['networks'][number]): NetworkIntent {
  return {
    kind: 'network',
    name: network.name,
    driver: 'overlay',
    encrypted: network.encrypted ?? true,
    mtu: network.mtu ?? null,
    internal: network.internal ?? false,
    attachable: network.attachable ?? false,
    labels: managed({ [OBJECT_ROLE_LABEL]: ROLES.network }),
  };
}

function envValue(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

function tmpfsMount(target: string, sizeBytes: number): Docker.MountSettings {
  // Swarm refuses a Source on a tmpfs mount; the empty string is what the Engine reports as absent.
  return { Type: 'tmpfs', Source: '', Target: target, TmpfsOptions: { SizeBytes: sizeBytes, Mode: TMPFS_MODE } };
}

/**
 * Mounts in the order `docker service update` writes them back (by Source, then Target; a tmpfs has none): Swarm
 * compares the task template as sent, so after an operator's CLI update (even `--force`) any other order would make
 * the next apply replace every task although nothing changed.
 */
function cliMountOrder(mounts: Docker.MountSettings[]): Docker.MountSettings[] {
  const key = (m: Docker.MountSettings): [string, string] => [m.Source ?? '', m.Target];
  return [...mounts].sort((a, b) => {
    const [sa, ta] = key(a);
    const [sb, tb] = key(b);
    return sa !== sb ? (sa < sb ? -1 : 1) : ta < tb ? -1 : ta > tb ? 1 : 0;
  });
}

function sizeText(bytes: number): string {
  if (bytes % (1024 * MIB) === 0) return `${bytes / (1024 * MIB)} GiB`;
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

interface CompiledHardening {
  container: Pick<Docker.ContainerSpec, 'ReadOnly' | 'Init' | 'CapabilityDrop' | 'CapabilityAdd' | 'Ulimits'>;
  tmpfs: Docker.MountSettings[];
  /** In words, for the plan: every way this challenge runs with less hardening than the defaults. */
  optOuts: string[];
}

/** The challenge's `hardening:` over the defaults (the file is validated: paths and sizes parse). */
function compileHardening(challenge: Challenge): CompiledHardening {
  const hardening = challenge.hardening ?? {};
  const optOuts: string[] = [];
  const readOnly = hardening.read_only ?? true;
  if (!readOnly) optOuts.push('read_only: false (writable root filesystem)');
  const added = [...new Set((hardening.capabilities_add ?? []).map((c) => (bareCapability(c) === 'ALL' ? 'ALL' : dockerCapability(c))))].sort();
  if (added.length > 0) optOuts.push(`capabilities_add: ${added.join(', ')}`);
  const nofile = hardening.nofile ?? CHALLENGE_HARDENING.nofile;
  if (nofile > CHALLENGE_HARDENING.nofile) optOuts.push(`nofile: ${nofile} (default ${CHALLENGE_HARDENING.nofile})`);
  const pids = challenge.resources?.pids;
  if (pids !== undefined && pids > CHALLENGE_HARDENING.pids) optOuts.push(`pids: ${pids} (default ${CHALLENGE_HARDENING.pids})`);

  const sizes = new Map<string, number>([[CHALLENGE_HARDENING.tmpPath, CHALLENGE_HARDENING.tmpSizeBytes]]);
  for (const [target, size] of Object.entries(hardening.tmpfs ?? {})) {
    const normalized = normalizeTmpfsPath(target);
    const bytes = parseMemoryBytes(size);
    if (normalized === null || bytes === null || bytes <= 0) continue;
    sizes.set(normalized, bytes);
  }
  const targets = [...sizes.keys()].sort();
  for (const target of targets) {
    const bytes = sizes.get(target)!;
    if (target !== CHALLENGE_HARDENING.tmpPath) optOuts.push(`tmpfs: ${target} (${sizeText(bytes)})`);
    else if (bytes > CHALLENGE_HARDENING.tmpSizeBytes) optOuts.push(`tmpfs: /tmp ${sizeText(bytes)} (default ${sizeText(CHALLENGE_HARDENING.tmpSizeBytes)})`);
  }
  const tmpfs = targets.map((target) => tmpfsMount(target, sizes.get(target)!));
  return {
    container: {
      ReadOnly: readOnly,
      Init: true,
      CapabilityDrop: ['ALL'],
      ...(added.length > 0 ? { CapabilityAdd: added } : {}),
      Ulimits: [{ Name: 'nofile', Soft: nofile, Hard: nofile }],
    },
    tmpfs,
    optOuts,
  };
}

function compileResources(challenge: Challenge): Docker.ResourceRequirements {
  const limits: Docker.ResourceLimits = {};
  const resources = challenge.resources ?? {};
  if (resources.cpus !== undefined) {
    const nano = parseNanoCpus(resources.cpus);
    if (nano !== null && nano > 0) limits.NanoCPUs = nano;
  }
  if (resources.memory !== undefined) {
    const bytes = parseMemoryBytes(resources.memory);
    if (bytes !== null && bytes > 0) limits.MemoryBytes = bytes;
  }
  limits.Pids = resources.pids ?? CHALLENGE_HARDENING.pids;
  const out: Docker.ResourceRequirements = { Limits: limits };
  if ((resources.gpus ?? 0) > 0) {
    out.Reservations = { GenericResources: [{ DiscreteResourceSpec: { Kind: GPU_RESOURCE_KIND, Value: resources.gpus } } as unknown as Docker.GenericResource] };
  }
  return out;
}

function secretRef(name: string, target: string, mode: number, uid = SERVICE_UID): Docker.SecretReference {
  return { SecretName: name, File: { Name: target, UID: uid, GID: uid, Mode: mode } };
}

export function compileChallengeService(challenge: Challenge, tokenSecretName: string, defaultNetworks: readonly string[]): ServiceIntent {
  const name = challengeServiceName(challenge.slug);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(challenge.env ?? {})) env[key] = envValue(value);
  env.CHALLENGE_DATABASE_URL = CHALLENGE_DATABASE_URL;
  env.BASE_CHALLENGE_SLUG = challenge.slug;
  env.CHALLENGE_SHARED_TOKEN_FILE = CHALLENGE_TOKEN_TARGET;

  const labels = managed({
    [CHALLENGE_SLUG_LABEL]: challenge.slug,
    [OBJECT_ROLE_LABEL]: ROLES.challenge,
    [SERVICE_LABELS.emissionPercent]: String(challenge.emission_percent),
    [SERVICE_LABELS.name]: challenge.name,
    [SERVICE_LABELS.port]: String(challenge.port ?? DEFAULT_CHALLENGE_PORT),
  });
  if (challenge.version !== undefined) labels[SERVICE_LABELS.version] = challenge.version;
  const signedRoutes = signedRoutesText(effectiveSignedRoutes(challenge));
  if (signedRoutes !== '') labels[SERVICE_LABELS.signedRoutes] = signedRoutes;
  if (challenge.jobs !== undefined) labels[SERVICE_LABELS.jobsPolicy] = jobsPolicyText(effectiveJobsPolicy(challenge.jobs));

  const secrets = [secretRef(tokenSecretName, CHALLENGE_TOKEN_TARGET, 0o400)];
  for (const declared of [...(challenge.secrets ?? [])].sort()) secrets.push(secretRef(declared, `/run/secrets/${declared}`, 0o400));

  const networks = [...(challenge.networks ?? defaultNetworks)].sort().map((target) => ({ Target: target, Aliases: [name] }));

  const hardening = compileHardening(challenge);
  const spec: Docker.ServiceSpec = {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: challenge.image,
        Env: sortedEnv(env),
        // /data (the volume) is the only persistent writable path; the tmpfs mounts (noexec) are the others.
        Mounts: cliMountOrder([{ Type: 'volume', Source: challengeVolumeName(challenge.slug), Target: CHALLENGE_DATA_TARGET }, ...hardening.tmpfs]),
        Secrets: secrets,
        StopGracePeriod: STOP_GRACE_PERIOD_NS,
        ...hardening.container,
      },
      Resources: compileResources(challenge),
      RestartPolicy: { ...RESTART_POLICY },
      Placement: { Constraints: ['node.role==manager'] },
      Networks: networks,
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { ...UPDATE_CONFIG },
    RollbackConfig: { ...ROLLBACK_CONFIG },
    EndpointSpec: { Mode: 'dnsrr' },
  };
  return { kind: 'service', name, spec, slug: challenge.slug, ...(hardening.optOuts.length > 0 ? { hardeningOptOuts: hardening.optOuts } : {}) };
}

export function compileMasterService(
  state: SubnetDesiredState,
  signingKeySecretName: string,
  tokens: ReadonlyArray<{ slug: string; secretName: string }> = [],
  dockerSocketGid?: number,
  appliedDesiredStateDir?: string,
): ServiceIntent {
  const port = state.master.port ?? DEFAULT_MASTER_PORT;
  const name = masterServiceName(state);
  const adminSecret = state.master.admin_token_secret ?? DEFAULT_ADMIN_TOKEN_SECRET;
  const env: Record<string, string> = {
    BASE_MASTER_PORT: String(port),
    BASE_ADMIN_TOKEN_FILE: ADMIN_TOKEN_TARGET,
    BASE_MASTER_SIGNING_KEY_FILE: SIGNING_KEY_TARGET,
    BASE_SUBNET_NETUID: String(state.subnet.netuid),
    BASE_CHALLENGE_TOKENS_DIR: MASTER_TOKENS_DIR,
    BASE_STATE_DIR: MASTER_STATE_DIR,
  };
  const secrets = [secretRef(adminSecret, ADMIN_TOKEN_TARGET, 0o400), secretRef(signingKeySecretName, SIGNING_KEY_TARGET, 0o400)];
  const databaseSecret = state.master.database_url_secret;
  if (databaseSecret !== undefined) {
    // Operator-created (external, like the admin token): the apply refuses to run while it is missing.
    env.BASE_DATABASE_URL_FILE = DATABASE_URL_TARGET;
    secrets.push(secretRef(databaseSecret, DATABASE_URL_TARGET, 0o400));
  }
  for (const token of [...tokens].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))) {
    secrets.push(secretRef(token.secretName, `${MASTER_TOKENS_DIR}/${token.slug}`, 0o400));
  }
  const mounts: Docker.MountSettings[] = [
    { Type: 'bind', Source: DOCKER_SOCKET, Target: DOCKER_SOCKET },
    { Type: 'volume', Source: masterDataVolumeName(name), Target: MASTER_STATE_DIR },
    tmpfsMount('/tmp', MASTER_TMP_SIZE_BYTES),
  ];
  if (appliedDesiredStateDir !== undefined) {
    if (!path.posix.isAbsolute(appliedDesiredStateDir)) {
      throw new Error(`compile: appliedDesiredStateDir must be an absolute path, found ${JSON.stringify(appliedDesiredStateDir)}`);
    }
    env.BASE_DESIRED_STATE_FILE = path.posix.join(MASTER_DESIRED_STATE_DIR, APPLIED_DESIRED_STATE_FILE);
    mounts.push({ Type: 'bind', Source: appliedDesiredStateDir, Target: MASTER_DESIRED_STATE_DIR, ReadOnly: true });
  }
  const spec: Docker.ServiceSpec = {
    Name: name,
    Labels: managed({ [OBJECT_ROLE_LABEL]: ROLES.master }),
    TaskTemplate: {
      ContainerSpec: {
        Image: state.master.image,
        Env: sortedEnv(env),
        Mounts: cliMountOrder(mounts),
        Secrets: secrets,
        ...(dockerSocketGid !== undefined ? { Groups: [String(dockerSocketGid)] } : {}),
        StopGracePeriod: STOP_GRACE_PERIOD_NS,
        // Hardened like a challenge. It writes only to its data volume (MASTER_STATE_DIR: the development SQLite
        // store, the apply lock and state of an admin reconcile) and to /tmp; the desired-state folder and the
        // secrets are read-only mounts.
        ReadOnly: true,
        Init: true,
        // No capability is kept: the master runs as uid 1000, reaches the Docker socket through its group
        // (Groups above, a plain file permission), and listens on an unprivileged port.
        CapabilityDrop: ['ALL'],
        // No nofile limit: the proxy holds a socket per client and per upstream; the daemon's default applies.
      },
      Resources: { Limits: { Pids: MASTER_PIDS_LIMIT } },
      RestartPolicy: { ...RESTART_POLICY },
      Placement: { Constraints: ['node.role==manager'] },
      Networks: state.networks
        .map((n) => n.name)
        .sort()
        .map((target) => ({ Target: target, Aliases: [name] })),
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { ...UPDATE_CONFIG },
    RollbackConfig: { ...ROLLBACK_CONFIG },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: port, PublishedPort: port, PublishMode: 'host' }] },
  };
  return { kind: 'service', name, spec, slug: null };
}

export function compileWorker(
  worker: NonNullable<SubnetDesiredState['workers']>[number],
  datasets: NonNullable<NonNullable<SubnetDesiredState['broker']>['datasets']> = [],
): NodeIntent {
  const labels: Record<string, string> = { ...(worker.labels ?? {}), [WORKLOAD_LABEL]: worker.workload };
  for (const name of worker.datasets ?? []) {
    const dataset = datasets.find((d) => d.name === name);
    if (dataset) labels[datasetNodeLabel(name)] = dataset.version;
  }
  const keys = Object.keys(labels).sort();
  labels[MANAGED_NODE_LABELS_LABEL] = keys.join(',');
  return { kind: 'node', hostname: worker.hostname, labels, availability: worker.availability ?? 'active' };
}

/** Secret names services reference that no intent creates (the admin token, the database URL, declared challenge secrets). */
export function externalSecretNames(intents: readonly Intent[]): string[] {
  const created = new Set(intents.filter((i) => i.kind === 'secret').map((i) => i.name));
  const names = new Set<string>();
  for (const intent of intents) {
    if (intent.kind !== 'service') continue;
    const task = intent.spec.TaskTemplate as Docker.ContainerTaskSpec | undefined;
    for (const ref of task?.ContainerSpec?.Secrets ?? []) {
      if (ref.SecretName && !created.has(ref.SecretName)) names.add(ref.SecretName);
    }
  }
  return [...names].sort();
}
