/**
 * Desired state → intents (pure). Every default is resolved here exactly as Docker will report it, so that the
 * normalized compiled spec of a converged service equals the normalized live spec.
 */
import type Docker from 'dockerode';
import path from 'node:path';
import type { Challenge, SubnetDesiredState } from '../desired-state/subnet.types.ts';
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
  if (resources.pids !== undefined) limits.Pids = resources.pids;
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

  const spec: Docker.ServiceSpec = {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: challenge.image,
        Env: sortedEnv(env),
        Mounts: [{ Type: 'volume', Source: challengeVolumeName(challenge.slug), Target: '/data' }],
        Secrets: secrets,
        StopGracePeriod: STOP_GRACE_PERIOD_NS,
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
  return { kind: 'service', name, spec, slug: challenge.slug };
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
        Mounts: mounts,
        Secrets: secrets,
        ...(dockerSocketGid !== undefined ? { Groups: [String(dockerSocketGid)] } : {}),
        StopGracePeriod: STOP_GRACE_PERIOD_NS,
      },
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
