import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { dockerSwarmStatus, revisionOf } from '../swarm-status.ts';

const service = (id: string, labels: Record<string, string>, replicas = 1) => ({ ID: id, Spec: { Name: id, Labels: labels, Mode: { Replicated: { Replicas: replicas } } } });
const challenge = (slug: string, revision: string, appliedAt: string) => ({
  'base.role': 'challenge',
  'base.challenge.slug': slug,
  'base.desired-state.revision': revision,
  'base.applied-at': appliedAt,
});

function fakeDocker(services: unknown[], tasks: unknown[], fail: Error | null = null): Docker {
  return {
    listServices: async () => {
      if (fail) throw fail;
      return services;
    },
    listTasks: async () => tasks,
  } as unknown as Docker;
}

test('running tasks per challenge slug from the Docker API; only running tasks count; other services are ignored', async () => {
  const docker = fakeDocker(
    [
      service('s-a', challenge('a', 'rev-1', '2026-01-01T00:00:00Z'), 2),
      service('s-b', challenge('b', 'rev-2', '2026-01-02T00:00:00Z')),
      service('s-master', { 'base.role': 'master', 'base.desired-state.revision': 'rev-9', 'base.applied-at': '2026-02-01T00:00:00Z' }),
    ],
    [
      { ServiceID: 's-a', Status: { State: 'running' } },
      { ServiceID: 's-a', Status: { State: 'starting' } },
      { ServiceID: 's-b', Status: { State: 'running' } },
      { ServiceID: 's-master', Status: { State: 'running' } },
      { ServiceID: 'unknown', Status: { State: 'running' } },
    ],
  );
  const status = dockerSwarmStatus(docker, { now: () => new Date('2026-03-03T00:00:00Z') });
  const snapshot = await status.refresh();
  assert.equal(snapshot.available, true);
  assert.equal(snapshot.lastOkAt, '2026-03-03T00:00:00.000Z');
  assert.deepEqual([...snapshot.tasks].map(([slug, t]) => [slug, t.running, t.desired]), [['a', 1, 2], ['b', 1, 1]]);
  assert.equal(snapshot.revision, 'rev-2', 'the newest applied challenge service');
  assert.equal(revisionOf(snapshot.tasks, ['a']), 'rev-1', 'restricted to the challenges this master serves');
  assert.equal(revisionOf(snapshot.tasks, ['zzz']), null);
});

test('an unreachable Docker API makes the snapshot unavailable with a short error code, keeping the last good data', async () => {
  let fail: Error | null = null;
  const docker = {
    listServices: async () => {
      if (fail) throw fail;
      return [service('s-a', challenge('a', 'r', 't'))];
    },
    listTasks: async () => [],
  } as unknown as Docker;
  const status = dockerSwarmStatus(docker);
  assert.equal((await status.refresh()).available, true);
  fail = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' });
  const down = await status.refresh();
  assert.equal(down.available, false);
  assert.equal(down.error, 'EACCES');
  assert.equal(down.tasks.get('a')?.desired, 1);
  const hanging = dockerSwarmStatus({ listServices: () => new Promise(() => undefined), listTasks: async () => [] } as unknown as Docker, { timeoutMs: 50 });
  const timedOut = await hanging.refresh();
  assert.deepEqual([timedOut.available, timedOut.error], [false, 'timeout']);
});
