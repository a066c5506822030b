/**
 * Admission by policy: a parsed run request against the challenge's grant (`jobs:`, every default filled in) and the
 * broker's defaults, in the reference broker's order, with its status codes and `detail` strings where it has them
 * (note §1.6) and stable codes for ours (§5.4.3). Pure: quotas, which need the live Swarm, are decided elsewhere.
 * A limit above the grant is refused, never lowered in silence.
 */
import type { EffectiveJobsPolicy } from '../desired-state/broker-policy.ts';
import { parseImageRef, formatImageRef } from '../desired-state/image-ref.ts';
import { parseMemoryBytes, parseNanoCpus } from '../desired-state/resources.ts';
import type { BrokerRunRequest } from './run-request.ts';

/** What the broker fills in when a request leaves a field to it (broker.defaults, schema defaults applied). */
export interface BrokerDefaults {
  user?: string;
  queue_timeout_seconds: number;
  stop_grace_seconds: number;
}

export interface AdmissionContext {
  slug: string;
  grant: EffectiveJobsPolicy;
  defaults: BrokerDefaults;
  /** Dataset name → {version, host path} from broker.datasets. */
  datasets: ReadonlyMap<string, { version: string; path: string }>;
  production: boolean;
}

export interface AdmittedRun {
  slug: string;
  jobId: string;
  taskId: string | null;
  image: string;
  command: string[];
  workdir: string | null;
  env: Record<string, string>;
  /** The caller's labels, stored on the service under `user.<key>` (the broker's own base.* labels cannot be set). */
  userLabels: Record<string, string>;
  workload: 'cpu' | 'gpu';
  gpuCount: number;
  nanoCpus: number;
  memoryBytes: number;
  pids: number;
  timeoutSeconds: number;
  queueTimeoutSeconds: number;
  stopGraceSeconds: number;
  /** null: the image's USER. */
  user: string | null;
  tmpfs: Array<{ target: string; sizeBytes: number }>;
  ulimits: Array<{ name: string; soft: number; hard: number }>;
  network: { kind: 'isolated' } | { kind: 'egress'; name: string };
  datasets: Array<{ name: string; version: string; source: string; target: string }>;
}

export type Refusal = { status: 400 | 403 | 413; code: string; detail: string };
export type Admission = { ok: true; run: AdmittedRun } | { ok: false; refusal: Refusal };

/** The reference broker's image rule (`^[a-zA-Z0-9][a-zA-Z0-9./_:@+-]{0,254}$`, never starting with '-'). */
const SAFE_IMAGE = /^[a-zA-Z0-9][a-zA-Z0-9./_:@+-]{0,254}$/;
/** Env keys that would select devices or impersonate the broker; CUDA_VISIBLE_DEVICES only narrows, so it stays. */
const REFUSED_ENV = [/^NVIDIA_VISIBLE_DEVICES$/, /^DOCKER_RESOURCE_/, /^BASE_BROKER_/];
/** Labels the broker sets itself; the reference SDK always sends base.job and base.task, which are accepted and replaced. */
const BROKER_SET_LABELS = new Set(['base.challenge', 'base.job', 'base.task']);
/** What agent challenges send as their network (CHALLENGE_DOCKER_BROKER_NETWORK); the reference's shared job network. */
const REFERENCE_JOBS_NETWORK = 'base_jobs_internal';
const ULIMIT = /^([a-z]+)=(\d+)(?::(\d+))?$/;
const MAX_ULIMITS = 16;
/** Ulimits a job may set, and the ceiling of any value (the daemon's defaults are far below it). */
const ULIMIT_NAMES = new Set(['core', 'fsize', 'memlock', 'nofile', 'nproc', 'stack']);
const ULIMIT_CEILING = 1_048_576;
const MAX_TMPFS = 8;

const refuse = (status: Refusal['status'], code: string, detail: string): Admission => ({ ok: false, refusal: { status, code, detail } });

export function admitRun(request: BrokerRunRequest, context: AdmissionContext): Admission {
  const { grant } = context;
  const limits = request.limits;
  // 1–2. Hardening the caller may not weaken (the reference's strings).
  if (limits.privileged) return refuse(403, 'forbidden', 'privileged broker jobs require the allowlisted escape hatch');
  if (!limits.read_only) return refuse(400, 'bad_request', 'broker Docker jobs require a read-only root filesystem');
  if (!limits.init) return refuse(400, 'bad_request', 'broker Docker jobs require Docker init for process cleanup');
  if (!limits.cap_drop.includes('ALL')) return refuse(400, 'bad_request', 'broker Docker jobs must drop all Linux capabilities');
  if (!limits.security_opt.some((option) => option.startsWith('no-new-privileges'))) return refuse(400, 'bad_request', 'broker Docker jobs require no-new-privileges');

  // 3. Image and network.
  const image = request.image;
  const ref = SAFE_IMAGE.test(image) ? parseImageRef(image) : null;
  if (!ref) return refuse(400, 'bad_request', `unsafe Docker image reference: '${image}'`);
  const repository = formatImageRef({ ...(ref.registry ? { registry: ref.registry } : {}), repository: ref.repository });
  if (!grant.images.includes(repository)) return refuse(400, 'bad_request', `Docker image is not allowed: ${image}`);
  if (context.production && ref.digest === undefined) return refuse(400, 'bad_request', `Docker image must be pinned by digest (@sha256:...) in production: ${image}`);
  const network = runNetwork(limits.network, grant);
  if ('refusal' in network) return { ok: false, refusal: network.refusal };

  // Class and GPUs.
  const gpuCount = limits.gpu_count ?? 0;
  const workload = gpuCount > 0 ? 'gpu' : grant.classes.includes('cpu') ? 'cpu' : 'gpu';
  if (!grant.classes.includes(workload)) return refuse(403, 'forbidden', `${workload} jobs are not allowed for challenge '${context.slug}'`);
  if (gpuCount > grant.per_job.max_gpus) return refuse(400, 'bad_request', `limits.gpu_count ${gpuCount} is above this challenge's maximum of ${grant.per_job.max_gpus}`);

  // Maxima of one run.
  const nanoCpus = parseNanoCpus(limits.cpus);
  if (nanoCpus === null || nanoCpus <= 0) return refuse(400, 'bad_request', `limits.cpus ${limits.cpus} is not a number of CPUs`);
  const maxNanoCpus = parseNanoCpus(grant.per_job.max_cpus) ?? 0;
  if (nanoCpus > maxNanoCpus) return refuse(400, 'bad_request', `limits.cpus ${limits.cpus} is above this challenge's maximum of ${grant.per_job.max_cpus}`);
  const memoryBytes = parseMemoryBytes(limits.memory);
  if (memoryBytes === null || memoryBytes <= 0) return refuse(400, 'bad_request', `limits.memory '${limits.memory}' is not a size like 512m or 4g`);
  if (memoryBytes > (parseMemoryBytes(grant.per_job.max_memory) ?? 0)) return refuse(400, 'bad_request', `limits.memory '${limits.memory}' is above this challenge's maximum of ${grant.per_job.max_memory}`);
  if (limits.pids_limit > grant.per_job.max_pids) return refuse(400, 'bad_request', `limits.pids_limit ${limits.pids_limit} is above this challenge's maximum of ${grant.per_job.max_pids}`);
  if (request.timeout_seconds > grant.per_job.max_timeout_seconds) {
    return refuse(400, 'bad_request', `timeout_seconds ${request.timeout_seconds} is above this challenge's maximum of ${grant.per_job.max_timeout_seconds}`);
  }

  // Env, user, tmpfs, ulimits.
  for (const key of Object.keys(request.env)) {
    if (REFUSED_ENV.some((pattern) => pattern.test(key))) return refuse(400, 'bad_request', `env key not allowed: ${key}`);
  }
  const user = limits.user ?? context.defaults.user ?? null;
  if (limits.user !== null && limits.user !== context.defaults.user && !grant.per_job.allow_users.includes(limits.user)) {
    return refuse(400, 'bad_request', `user not allowed for challenge '${context.slug}': ${limits.user}`);
  }
  const tmpfs = parseTmpfs(limits.tmpfs);
  if ('refusal' in tmpfs) return { ok: false, refusal: tmpfs.refusal };
  const ulimits = parseUlimits(limits.ulimits);
  if ('refusal' in ulimits) return { ok: false, refusal: ulimits.refusal };

  // Inputs and outputs (writable mounts) need the executor's input stage, which this broker does not have yet:
  // say so rather than run the job without the files it was given.
  if (request.mounts.length > 0) return refuse(400, 'bad_request', 'mounts are not supported by this broker yet (run the job without mounts, or through the reference broker)');

  const userLabels: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.labels)) {
    if (!BROKER_SET_LABELS.has(key)) userLabels[key] = value;
  }
  const datasets = grant.datasets.map(([name, target]) => {
    const dataset = context.datasets.get(name);
    if (!dataset) throw new Error(`dataset ${name} of challenge ${context.slug} is not in broker.datasets (the desired state was not validated)`);
    return { name, version: dataset.version, source: dataset.path, target };
  });
  return {
    ok: true,
    run: {
      slug: context.slug,
      jobId: request.job_id,
      taskId: request.task_id,
      image,
      command: [...request.command],
      workdir: request.workdir,
      env: { ...request.env },
      userLabels,
      workload,
      gpuCount,
      nanoCpus,
      memoryBytes,
      pids: limits.pids_limit,
      timeoutSeconds: request.timeout_seconds,
      // A compat run has one budget: queueing and pulls count against timeout_seconds (note §5.4.1).
      queueTimeoutSeconds: request.timeout_seconds,
      stopGraceSeconds: context.defaults.stop_grace_seconds,
      user,
      tmpfs: tmpfs.mounts,
      ulimits: ulimits.ulimits,
      network: network.network,
      datasets,
    },
  };
}

function runNetwork(requested: string, grant: EffectiveJobsPolicy): { network: AdmittedRun['network'] } | { refusal: Refusal } {
  const profile: AdmittedRun['network'] = grant.network === 'egress' && grant.egress_network ? { kind: 'egress', name: grant.egress_network } : { kind: 'isolated' };
  if (requested === 'none' || requested === REFERENCE_JOBS_NETWORK) return { network: { kind: 'isolated' } };
  if (requested === 'default') return { network: profile };
  if (requested.startsWith('base_') || requested.startsWith('base-')) {
    if (profile.kind === 'egress' && requested === profile.name) return { network: profile };
    return { refusal: { status: 400, code: 'bad_request', detail: `network not allowed for this challenge: ${requested}` } };
  }
  return { refusal: { status: 400, code: 'bad_request', detail: "Docker network must be 'none', 'default', or a base network" } };
}

/** `"/tmp:rw,noexec,nosuid,size=512m"` → target and size; noexec,nosuid are always applied, whatever the options say. */
function parseTmpfs(specs: string[]): { mounts: AdmittedRun['tmpfs'] } | { refusal: Refusal } {
  if (specs.length > MAX_TMPFS) return { refusal: { status: 400, code: 'bad_request', detail: `at most ${MAX_TMPFS} tmpfs mounts` } };
  const mounts: AdmittedRun['tmpfs'] = [];
  for (const spec of specs) {
    const [target = '', options = ''] = spec.split(':', 2);
    if (!target.startsWith('/') || target.split('/').includes('..')) return { refusal: { status: 400, code: 'bad_request', detail: `tmpfs mount target must be an absolute path: ${spec}` } };
    const size = options
      .split(',')
      .map((option) => /^size=(.+)$/.exec(option)?.[1])
      .find((value) => value !== undefined);
    const sizeBytes = size === undefined ? 64 * 1024 ** 2 : parseMemoryBytes(size);
    if (sizeBytes === null || sizeBytes <= 0) return { refusal: { status: 400, code: 'bad_request', detail: `tmpfs size is not a size like 512m: ${spec}` } };
    mounts.push({ target, sizeBytes });
  }
  return { mounts };
}

function parseUlimits(specs: string[]): { ulimits: AdmittedRun['ulimits'] } | { refusal: Refusal } {
  if (specs.length > MAX_ULIMITS) return { refusal: { status: 400, code: 'bad_request', detail: `at most ${MAX_ULIMITS} ulimits` } };
  const ulimits: AdmittedRun['ulimits'] = [];
  for (const spec of specs) {
    const match = ULIMIT.exec(spec);
    if (!match) return { refusal: { status: 400, code: 'bad_request', detail: `ulimit is not name=soft[:hard]: ${spec}` } };
    const soft = Number(match[2]);
    const hard = match[3] === undefined ? soft : Number(match[3]);
    if (!ULIMIT_NAMES.has(match[1]!)) return { refusal: { status: 400, code: 'bad_request', detail: `ulimit not allowed: ${spec} (allowed: ${[...ULIMIT_NAMES].join(', ')})` } };
    if (soft > hard || hard > ULIMIT_CEILING) return { refusal: { status: 400, code: 'bad_request', detail: `ulimit outside 0..${ULIMIT_CEILING} with soft <= hard: ${spec}` } };
    ulimits.push({ name: match[1]!, soft, hard });
  }
  return { ulimits };
}
