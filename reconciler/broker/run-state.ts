/**
 * What a run is, read from its Swarm service and tasks alone (no broker memory): its labels say what was asked and
 * until when; its task says where it got. Pure.
 */
import { RUN_LABELS } from './compile-run.ts';

/** The parts of a Swarm service the broker reads (as `GET /services` returns them). */
export interface RunService {
  ID: string;
  CreatedAt: string;
  Spec: { Name: string; Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number }; ReplicatedJob?: { MaxConcurrent?: number } } };
}

/** The parts of a Swarm task the broker reads (as `GET /tasks` returns them). */
export interface RunTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Timestamp?: string; Err?: string; Message?: string; ContainerStatus?: { ExitCode?: number } };
}

export type RunStateName = 'queued' | 'pending' | 'running' | 'succeeded' | 'failed' | 'rejected';

export interface RunView {
  serviceId: string;
  name: string;
  runId: string;
  slug: string;
  jobId: string;
  workload: string;
  gpus: number;
  state: RunStateName;
  createdAt: number;
  /** While running: when the task entered running (the worker's clock); else null. */
  startedAt: number | null;
  /** When the task reached a terminal state, else null. */
  finishedAt: number | null;
  exitCode: number | null;
  timeoutSeconds: number;
  queueTimeoutSeconds: number;
  deadline: number;
  /** Swarm's own words for a task that did not run (pull failure, no suitable node). */
  reason: string | null;
}

/** Task states after which nothing more happens (Swarm's names). */
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'orphaned', 'shutdown', 'remove']);
const NOT_STARTED = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

const seconds = (iso: string | undefined): number | null => {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms / 1000;
};
const int = (value: string | undefined, fallback = 0): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
};

/** A run's view, or null for a service that is not one of the broker's runs (its labels do not say so). */
export function viewRun(service: RunService, tasks: readonly RunTask[]): RunView | null {
  const labels = service.Spec.Labels ?? {};
  const runId = labels[RUN_LABELS.run];
  if (labels[RUN_LABELS.managedBy] !== 'base-broker' || runId === undefined) return null;
  const own = tasks.filter((t) => t.ServiceID === service.ID);
  // The newest task is the run's (restart none: there is at most one, but Swarm may keep a shut-down predecessor).
  const task = [...own].sort((a, b) => (seconds(b.Status?.Timestamp) ?? 0) - (seconds(a.Status?.Timestamp) ?? 0))[0];
  const replicas = service.Spec.Mode?.Replicated?.Replicas ?? service.Spec.Mode?.ReplicatedJob?.MaxConcurrent ?? 1;
  const taskState = task?.Status?.State ?? '';
  let state: RunStateName;
  if (replicas === 0 && !task) state = 'queued';
  else if (!task || NOT_STARTED.has(taskState)) state = 'pending';
  else if (taskState === 'running') state = 'running';
  else if (taskState === 'complete') state = (task.Status?.ContainerStatus?.ExitCode ?? 0) === 0 ? 'succeeded' : 'failed';
  else if (taskState === 'failed') state = 'failed';
  else if (TERMINAL.has(taskState)) state = 'rejected';
  else state = 'pending';
  // A failed task that never started a container is Swarm's failure (pull, mount, runtime), not the job's.
  if (state === 'failed' && task?.Status?.ContainerStatus?.ExitCode === undefined) state = 'rejected';
  const terminal = state === 'succeeded' || state === 'failed' || state === 'rejected';
  return {
    serviceId: service.ID,
    name: service.Spec.Name,
    runId,
    slug: labels[RUN_LABELS.slug] ?? '',
    jobId: labels[RUN_LABELS.job] ?? '',
    workload: labels[RUN_LABELS.workload] ?? 'cpu',
    gpus: int(labels[RUN_LABELS.gpus]),
    state,
    createdAt: seconds(service.CreatedAt) ?? 0,
    startedAt: state === 'running' ? seconds(task?.Status?.Timestamp) : null,
    finishedAt: terminal ? seconds(task?.Status?.Timestamp) : null,
    exitCode: terminal ? (task?.Status?.ContainerStatus?.ExitCode ?? null) : null,
    timeoutSeconds: int(labels[RUN_LABELS.timeout], 900),
    queueTimeoutSeconds: int(labels[RUN_LABELS.queueTimeout], 900),
    deadline: int(labels[RUN_LABELS.deadline], Number.MAX_SAFE_INTEGER),
    reason: state === 'rejected' || state === 'pending' ? (task?.Status?.Err ?? null) : null,
  };
}

/** Live runs (queued, pending, running) count against quotas; finished ones do not. */
export const isLive = (run: RunView): boolean => run.state === 'queued' || run.state === 'pending' || run.state === 'running';
