/**
 * A challenge's broker grant (`jobs:` in subnet.yaml) with every default filled in, and its one-line form. Pure data
 * and functions: the broker enforces the effective policy; the plan shows the line as a service label, so a change
 * of any limit is visible in `base plan` before it is applied.
 */
import type { Jobs } from './subnet.types.ts';

/** The schema's defaults for `jobs:` (the reference SDK's per-job defaults as maxima, one concurrent run, no GPU). */
export const JOBS_DEFAULTS = {
  max_concurrent: 1,
  max_queued: 0,
  max_gpus: 0,
  network: 'isolated',
  per_job: {
    max_cpus: 2,
    max_memory: '4g',
    max_pids: 512,
    max_gpus: 0,
    max_timeout_seconds: 900,
    max_input_bytes: '4MiB',
    max_log_bytes: '5MiB',
    max_artifact_bytes: '64MiB',
  },
} as const;

export interface EffectiveJobsPolicy {
  images: string[];
  classes: Array<'cpu' | 'gpu'>;
  max_concurrent: number;
  max_queued: number;
  max_gpus: number;
  network: 'isolated' | 'egress';
  egress_network: string | null;
  per_job: {
    max_cpus: number | string;
    max_memory: number | string;
    max_pids: number;
    max_gpus: number;
    max_timeout_seconds: number;
    max_input_bytes: number | string;
    max_log_bytes: number | string;
    max_artifact_bytes: number | string;
    allow_users: string[];
  };
  /** Dataset name → read-only target, sorted by name. */
  datasets: Array<[string, string]>;
}

export function effectiveJobsPolicy(jobs: Jobs): EffectiveJobsPolicy {
  const perJob = jobs.per_job ?? {};
  return {
    images: [...jobs.images].sort(),
    classes: [...jobs.classes].sort(),
    max_concurrent: jobs.max_concurrent ?? JOBS_DEFAULTS.max_concurrent,
    max_queued: jobs.max_queued ?? JOBS_DEFAULTS.max_queued,
    max_gpus: jobs.max_gpus ?? JOBS_DEFAULTS.max_gpus,
    network: jobs.network ?? JOBS_DEFAULTS.network,
    egress_network: jobs.egress_network ?? null,
    per_job: {
      max_cpus: perJob.max_cpus ?? JOBS_DEFAULTS.per_job.max_cpus,
      max_memory: perJob.max_memory ?? JOBS_DEFAULTS.per_job.max_memory,
      max_pids: perJob.max_pids ?? JOBS_DEFAULTS.per_job.max_pids,
      max_gpus: perJob.max_gpus ?? JOBS_DEFAULTS.per_job.max_gpus,
      max_timeout_seconds: perJob.max_timeout_seconds ?? JOBS_DEFAULTS.per_job.max_timeout_seconds,
      max_input_bytes: perJob.max_input_bytes ?? JOBS_DEFAULTS.per_job.max_input_bytes,
      max_log_bytes: perJob.max_log_bytes ?? JOBS_DEFAULTS.per_job.max_log_bytes,
      max_artifact_bytes: perJob.max_artifact_bytes ?? JOBS_DEFAULTS.per_job.max_artifact_bytes,
      allow_users: [...(perJob.allow_users ?? [])].sort(),
    },
    datasets: Object.entries(jobs.datasets ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/**
 * One line, stable for equal policies: `images=a,b; classes=cpu; concurrent=4; queued=16; gpus=1; network=isolated;
 * per-job cpus=8 memory=32g pids=4096 gpus=1 timeout=3600s input=4MiB log=5MiB artifacts=64MiB users=65534:65534;
 * datasets=name:/target`.
 */
export function jobsPolicyText(policy: EffectiveJobsPolicy): string {
  const p = policy.per_job;
  const parts = [
    `images=${policy.images.join(',')}`,
    `classes=${policy.classes.join(',')}`,
    `concurrent=${policy.max_concurrent}`,
    `queued=${policy.max_queued}`,
    `gpus=${policy.max_gpus}`,
    `network=${policy.network}${policy.egress_network ? `:${policy.egress_network}` : ''}`,
    [
      'per-job',
      `cpus=${p.max_cpus}`,
      `memory=${p.max_memory}`,
      `pids=${p.max_pids}`,
      `gpus=${p.max_gpus}`,
      `timeout=${p.max_timeout_seconds}s`,
      `input=${p.max_input_bytes}`,
      `log=${p.max_log_bytes}`,
      `artifacts=${p.max_artifact_bytes}`,
      ...(p.allow_users.length > 0 ? [`users=${p.allow_users.join(',')}`] : []),
    ].join(' '),
  ];
  if (policy.datasets.length > 0) parts.push(`datasets=${policy.datasets.map(([name, target]) => `${name}:${target}`).join(',')}`);
  return parts.join('; ');
}

/** The node label a worker carrying a dataset gets; its value is the dataset's version. */
export const datasetNodeLabel = (name: string): string => `base.dataset.${name}`;
