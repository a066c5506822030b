import type { RunService, RunTask } from '../run-state.ts';

export const T0 = Date.parse('2026-12-04T12:00:00Z') / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A run's service as Swarm lists it, labelled as compileRun labels it. */
export function runService(id: string, options: { slug?: string; createdAt?: number; gpus?: number; timeout?: number; queueTimeout?: number; deadline?: number; replicas?: number } = {}): RunService {
  const createdAt = options.createdAt ?? T0;
  const timeout = options.timeout ?? 900;
  return {
    ID: `svc-${id}`,
    CreatedAt: iso(createdAt),
    Spec: {
      Name: `bj-${options.slug ?? 'alpha'}-${id}`,
      Labels: {
        'base.managed-by': 'base-broker',
        'base.broker.run': id,
        'base.challenge.slug': options.slug ?? 'alpha',
        'base.job': 'job',
        'base.broker.class': (options.gpus ?? 0) > 0 ? 'gpu' : 'cpu',
        'base.broker.gpus': String(options.gpus ?? 0),
        'base.broker.timeout': String(timeout),
        'base.broker.queue-timeout': String(options.queueTimeout ?? timeout),
        'base.broker.deadline': String(options.deadline ?? createdAt + timeout + 5),
      },
      Mode: { Replicated: { Replicas: options.replicas ?? 1 } },
    },
  };
}

export function task(id: string, state: string, at: number, extra: { exitCode?: number; err?: string } = {}): RunTask {
  return {
    ID: `task-${id}`,
    ServiceID: `svc-${id}`,
    Status: { State: state, Timestamp: iso(at), ...(extra.err ? { Err: extra.err } : {}), ...(extra.exitCode !== undefined ? { ContainerStatus: { ExitCode: extra.exitCode } } : {}) },
  };
}
