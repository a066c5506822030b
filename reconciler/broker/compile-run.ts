/**
 * One admitted run → the Swarm objects that carry it: a service on a worker of the run's class and, for an isolated
 * run, its own internal overlay (nothing else joins it, so one run cannot reach another or anything outside).
 * Pure: the same run and context always compile to the same spec; every decision the reaper needs later (deadline,
 * class, GPUs, timeouts) is written into labels, so no broker memory is ever required to enforce it (note §5.5–5.6).
 */
import type Docker from 'dockerode';
import { datasetNodeLabel } from '../desired-state/broker-policy.ts';
import type { AdmittedRun } from './admit-run.ts';

export const BROKER_MANAGER = 'base-broker';
export const RUN_ROLE = 'broker-job';
export const GPU_RESOURCE_KIND = 'NVIDIA-GPU';
/** Mode of a writable tmpfs: any job user may write (the image's USER is not known here). */
const WRITABLE_TMPFS_MODE = 0o1777;
const SECOND_NS = 1_000_000_000;

export const RUN_LABELS = {
  managedBy: 'base.managed-by',
  role: 'base.role',
  slug: 'base.challenge.slug',
  /** The reference broker's label names, kept so its list/cleanup filters find our runs too. */
  challenge: 'base.challenge',
  job: 'base.job',
  task: 'base.task',
  run: 'base.broker.run',
  api: 'base.broker.api',
  workload: 'base.broker.class',
  gpus: 'base.broker.gpus',
  timeout: 'base.broker.timeout',
  queueTimeout: 'base.broker.queue-timeout',
  /** Unix seconds on the manager's clock after which the run is removed whatever its state. */
  deadline: 'base.broker.deadline',
  queued: 'base.broker.queued',
  policy: 'base.broker.policy',
} as const;
const USER_LABEL_PREFIX = 'user.';

export interface RunContext {
  /** Lower-case ULID-like id, unique per run. */
  runId: string;
  /** When the request was received (the budget starts here, queueing and pulls included). */
  receivedAt: Date;
  api: 'compat' | 'v1';
  /** `replicated-job` where every node runs Engine >= 24; `replicated` with restart none on 20.10 (note §5.5.1). */
  mode: 'replicated-job' | 'replicated';
  /** Admitted over max_concurrent into the queue: created with zero replicas, promoted later. */
  queued: boolean;
  /** The applied desired-state revision the policy came from. */
  policyRevision: string;
  /** IPsec on the per-run overlay (as the challenges' overlays are). */
  encryptNetwork: boolean;
}

export interface CompiledRun {
  service: Docker.CreateServiceOptions & { Name: string };
  /** The per-run internal overlay to create first (null for an egress run, which joins the declared network). */
  network: (Docker.NetworkCreateOptions & { Name: string }) | null;
}

export const runServiceName = (slug: string, runId: string): string => `bj-${slug.slice(0, 20)}-${runId.slice(0, 26).toLowerCase()}`;
export const runNetworkName = (runId: string): string => `bjn-${runId.slice(0, 26).toLowerCase()}`;

/** Unix seconds after which the run is removed: the whole budget from receipt, plus the stop grace. */
export function runDeadline(run: AdmittedRun, context: Pick<RunContext, 'receivedAt' | 'api'>): number {
  const budget = context.api === 'compat' ? run.timeoutSeconds : run.queueTimeoutSeconds + run.timeoutSeconds;
  return Math.floor(context.receivedAt.getTime() / 1000) + budget + run.stopGraceSeconds;
}

export function compileRun(run: AdmittedRun, context: RunContext): CompiledRun {
  const name = runServiceName(run.slug, context.runId);
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(run.userLabels)) labels[`${USER_LABEL_PREFIX}${key}`] = value;
  Object.assign(labels, {
    [RUN_LABELS.managedBy]: BROKER_MANAGER,
    [RUN_LABELS.role]: RUN_ROLE,
    [RUN_LABELS.slug]: run.slug,
    [RUN_LABELS.challenge]: run.slug,
    [RUN_LABELS.job]: run.jobId,
    [RUN_LABELS.run]: context.runId,
    [RUN_LABELS.api]: context.api,
    [RUN_LABELS.workload]: run.workload,
    [RUN_LABELS.gpus]: String(run.gpuCount),
    [RUN_LABELS.timeout]: String(run.timeoutSeconds),
    [RUN_LABELS.queueTimeout]: String(run.queueTimeoutSeconds),
    [RUN_LABELS.deadline]: String(runDeadline(run, context)),
    [RUN_LABELS.policy]: context.policyRevision,
  });
  if (run.taskId !== null) labels[RUN_LABELS.task] = run.taskId;
  if (context.queued) labels[RUN_LABELS.queued] = '1';
  const sortedLabels = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

  const env = { ...run.env };
  // A CPU run sees no GPU even on a node whose default runtime is nvidia.
  if (run.gpuCount === 0) env.NVIDIA_VISIBLE_DEVICES = 'void';
  const networkName = run.network.kind === 'egress' ? run.network.name : runNetworkName(context.runId);

  const container: Docker.ContainerSpec = {
    Image: run.image,
    Args: run.command,
    Env: Object.entries(env)
      .map(([key, value]) => `${key}=${value}`)
      .sort(),
    Labels: sortedLabels,
    ...(run.user !== null ? { User: run.user } : {}),
    ...(run.workdir !== null ? { Dir: run.workdir } : {}),
    ReadOnly: true,
    Init: true,
    StopGracePeriod: run.stopGraceSeconds * SECOND_NS,
    Mounts: [
      // Engine 20.10's service API carries only size and mode for tmpfs: noexec/nosuid cannot be set per service.
      // (dockerode's type wants a Source, which a tmpfs has not.)
      ...run.tmpfs.map((t) => ({ Type: 'tmpfs', Target: t.target, TmpfsOptions: { SizeBytes: t.sizeBytes, Mode: WRITABLE_TMPFS_MODE } }) as unknown as Docker.MountSettings),
      ...run.datasets.map((d) => ({ Type: 'bind' as const, Source: d.source, Target: d.target, ReadOnly: true })),
    ],
  };
  // Not in dockerode's types, in the Engine's service API since 1.41.
  Object.assign(container, {
    CapabilityDrop: ['ALL'],
    Ulimits: run.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
  });

  const constraints = [
    `node.labels.base.workload==${run.workload}`,
    ...run.datasets.map((d) => `node.labels.${datasetNodeLabel(d.name)}==${d.version}`),
  ].sort();
  const reservations: Docker.ResourceRequirements['Reservations'] & { GenericResources?: unknown[] } = { NanoCPUs: run.nanoCpus, MemoryBytes: run.memoryBytes };
  if (run.gpuCount > 0) reservations.GenericResources = [{ DiscreteResourceSpec: { Kind: GPU_RESOURCE_KIND, Value: run.gpuCount } }];

  const replicas = context.queued ? 0 : 1;
  const service: CompiledRun['service'] = {
    Name: name,
    Labels: sortedLabels,
    TaskTemplate: {
      ContainerSpec: container,
      // Reservations equal limits, so Swarm never packs more onto a worker than it has.
      Resources: { Limits: { NanoCPUs: run.nanoCpus, MemoryBytes: run.memoryBytes, Pids: run.pids } as Docker.ResourceRequirements['Limits'], Reservations: reservations },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: constraints },
      Networks: [{ Target: networkName }],
    },
    Mode: context.mode === 'replicated-job' ? ({ ReplicatedJob: { MaxConcurrent: replicas, TotalCompletions: 1 } } as Docker.ServiceMode) : { Replicated: { Replicas: replicas } },
    EndpointSpec: { Mode: 'dnsrr' },
  };

  const network: CompiledRun['network'] =
    run.network.kind === 'egress'
      ? null
      : {
          Name: networkName,
          Driver: 'overlay',
          Internal: true,
          Attachable: false,
          CheckDuplicate: true,
          Labels: { [RUN_LABELS.managedBy]: BROKER_MANAGER, [RUN_LABELS.role]: RUN_ROLE, [RUN_LABELS.run]: context.runId, [RUN_LABELS.slug]: run.slug },
          Options: { ...(context.encryptNetwork ? { encrypted: '' } : {}), 'com.docker.network.driver.mtu': '1450' },
        };
  return { service, network };
}
