import { effectiveJobsPolicy } from '../../desired-state/broker-policy.ts';
import type { AdmissionContext } from '../admit-run.ts';

export const EVAL_IMAGE = `reg.example/base/alpha-eval:1.2.0@sha256:${'ab'.repeat(32)}`;

/** A request body as the reference SDK builds it: every DockerLimits field (asdict), base.job/base.task labels. */
export function sdkRequest(overrides: Record<string, unknown> = {}, limits: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    job_id: 'eval-42',
    task_id: 'task-7',
    image: EVAL_IMAGE,
    image_pull_policy: null,
    command: ['python', '-m', 'evaluate', '--miner', '5F…'],
    workdir: null,
    env: { MINER: 'hk1' },
    labels: { 'base.job': 'eval-42', 'base.task': 'task-7', purpose: 'score' },
    limits: {
      cpus: 2.0,
      memory: '4g',
      memory_swap: '4g',
      pids_limit: 512,
      gpu_count: null,
      network: 'none',
      read_only: true,
      user: null,
      tmpfs: ['/tmp:rw,noexec,nosuid,size=512m'],
      ulimits: ['nofile=1024:1024'],
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges'],
      init: true,
      privileged: false,
      ...limits,
    },
    mounts: [],
    timeout_seconds: 900,
    ...overrides,
  };
}

export function context(overrides: Partial<AdmissionContext> = {}, jobs: Record<string, unknown> = {}): AdmissionContext {
  return {
    slug: 'alpha',
    grant: effectiveJobsPolicy({
      images: ['reg.example/base/alpha-eval'],
      classes: ['cpu', 'gpu'],
      max_concurrent: 4,
      max_gpus: 2,
      per_job: { max_cpus: 8, max_memory: '32g', max_gpus: 2, max_timeout_seconds: 3600, allow_users: ['1001'] },
      datasets: { fineweb: '/datasets/fineweb' },
      ...jobs,
    } as Parameters<typeof effectiveJobsPolicy>[0]),
    defaults: { user: '65534:65534', queue_timeout_seconds: 600, stop_grace_seconds: 5 },
    datasets: new Map([['fineweb', { version: '2026-06-19', path: '/srv/datasets/fineweb' }]]),
    production: true,
    ...overrides,
  };
}
