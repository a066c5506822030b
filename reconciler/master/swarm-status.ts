/**
 * What the Docker API says about the challenges: running tasks per challenge service and the desired-state
 * revision the reconciler last applied (a service-level label). Polled in the background; readers get the last
 * snapshot and whether the API answered.
 */
import type Docker from 'dockerode';

export interface ChallengeTasks {
  running: number;
  desired: number;
  /** The service's `base.desired-state.revision` and `base.applied-at` labels. */
  revision?: string | null;
  appliedAt?: string | null;
}

export interface SwarmSnapshot {
  available: boolean;
  checkedAt: string | null;
  lastOkAt: string | null;
  /** Short error code of the last failed poll (`ECONNREFUSED`, `ENOENT`, `timeout`, ...). */
  error: string | null;
  /** slug → tasks, from services labelled base.role=challenge. */
  tasks: ReadonlyMap<string, ChallengeTasks>;
  /** `base.desired-state.revision` of the most recently applied challenge service (see `revisionOf` for a subset). */
  revision: string | null;
}

export interface SwarmStatusSource {
  snapshot(): SwarmSnapshot;
  refresh(): Promise<SwarmSnapshot>;
}

const SLUG_LABEL = 'base.challenge.slug';
const ROLE_LABEL = 'base.role';
const REVISION_LABEL = 'base.desired-state.revision';
const APPLIED_AT_LABEL = 'base.applied-at';

interface ServiceSummary {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } } };
}
interface TaskSummary {
  ServiceID?: string;
  Status?: { State?: string };
  DesiredState?: string;
}

export function dockerSwarmStatus(docker: Docker, options: { timeoutMs?: number; now?: () => Date } = {}): SwarmStatusSource {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const now = options.now ?? (() => new Date());
  let current: SwarmSnapshot = { available: false, checkedAt: null, lastOkAt: null, error: 'not checked yet', tasks: new Map(), revision: null };
  let inFlight: Promise<SwarmSnapshot> | null = null;

  const poll = async (): Promise<SwarmSnapshot> => {
    const checkedAt = now().toISOString();
    try {
      const [services, tasks] = await withTimeout(
        Promise.all([
          docker.listServices({ filters: JSON.stringify({ label: [ROLE_LABEL] }) }) as unknown as Promise<ServiceSummary[]>,
          docker.listTasks({ filters: JSON.stringify({ 'desired-state': ['running'] }) }) as unknown as Promise<TaskSummary[]>,
        ]),
        timeoutMs,
      );
      const bySlug = new Map<string, ChallengeTasks>();
      const slugOfService = new Map<string, string>();
      let revision: string | null = null;
      let newest = '';
      for (const service of services) {
        const labels = service.Spec?.Labels ?? {};
        const slug = labels[SLUG_LABEL];
        if (labels[ROLE_LABEL] !== 'challenge' || !slug) continue;
        const appliedAt = labels[APPLIED_AT_LABEL] ?? '';
        if (labels[REVISION_LABEL] && appliedAt >= newest) {
          newest = appliedAt;
          revision = labels[REVISION_LABEL];
        }
        slugOfService.set(service.ID, slug);
        bySlug.set(slug, {
          running: 0,
          desired: service.Spec?.Mode?.Replicated?.Replicas ?? 0,
          revision: labels[REVISION_LABEL] ?? null,
          appliedAt: labels[APPLIED_AT_LABEL] ?? null,
        });
      }
      for (const task of tasks) {
        const slug = task.ServiceID ? slugOfService.get(task.ServiceID) : undefined;
        const entry = slug ? bySlug.get(slug) : undefined;
        if (entry && task.Status?.State === 'running') entry.running += 1;
      }
      current = { available: true, checkedAt, lastOkAt: checkedAt, error: null, tasks: bySlug, revision };
    } catch (error) {
      current = { ...current, available: false, checkedAt, error: errorCode(error) };
    }
    return current;
  };

  return {
    snapshot: () => current,
    refresh() {
      inFlight ??= poll().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code)) return code;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return `status-${status}`;
  if (error instanceof TimeoutError) return 'timeout';
  return 'error';
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Revision of the most recently applied service among `slugs` (the challenges this master serves). */
export function revisionOf(tasks: ReadonlyMap<string, ChallengeTasks>, slugs: Iterable<string>): string | null {
  return appliedRevisionOf(tasks, slugs).revision;
}

/** Revision and `base.applied-at` of the most recently applied service among `slugs`. */
export function appliedRevisionOf(tasks: ReadonlyMap<string, ChallengeTasks>, slugs: Iterable<string>): { revision: string | null; appliedAt: string | null } {
  let revision: string | null = null;
  let appliedAt: string | null = null;
  let newest = '';
  for (const slug of slugs) {
    const entry = tasks.get(slug);
    if (!entry?.revision) continue;
    const at = entry.appliedAt ?? '';
    if (revision === null || at >= newest) {
      newest = at;
      revision = entry.revision;
      appliedAt = entry.appliedAt ?? null;
    }
  }
  return { revision, appliedAt };
}
