import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveJobsPolicy } from '../../desired-state/broker-policy.ts';
import { decideQuota, usageOf } from '../quota.ts';
import { viewRun, type RunView } from '../run-state.ts';
import { runService, T0, task } from './support-runs.ts';

const grant = (jobs: Record<string, unknown> = {}) => effectiveJobsPolicy({ images: ['r/x'], classes: ['cpu', 'gpu'], max_concurrent: 1, ...jobs } as Parameters<typeof effectiveJobsPolicy>[0]);
const GLOBAL = { max_concurrent: 32, max_concurrent_gpus: 8 };
const runs = (...views: Array<RunView | null>) => views.filter((v): v is RunView => v !== null);

test('usage counts running, pending and queued runs and their GPUs; finished runs free their slot', () => {
  const live = runs(
    viewRun(runService('a'), [task('a', 'running', T0)]),
    viewRun(runService('b', { gpus: 2 }), []),
    viewRun(runService('c', { replicas: 0 }), []),
    viewRun(runService('d'), [task('d', 'complete', T0, { exitCode: 0 })]),
    viewRun(runService('e', { slug: 'beta' }), [task('e', 'running', T0)]),
  );
  assert.deepEqual(usageOf(live, 'alpha'), { running: 1, pending: 1, queued: 1, gpus: 2 });
  assert.deepEqual(usageOf(live), { running: 2, pending: 1, queued: 1, gpus: 2 });
});

test('at max_concurrent: 1 the second run is refused on the compat route with the reference string, queued on the native one', () => {
  const one = runs(viewRun(runService('a'), [task('a', 'running', T0)]));
  assert.deepEqual(decideQuota({ slug: 'alpha', gpus: 0, grant: grant(), global: GLOBAL, runs: [], canQueue: false }), { admit: 'now' });
  assert.deepEqual(decideQuota({ slug: 'alpha', gpus: 0, grant: grant(), global: GLOBAL, runs: one, canQueue: false }), {
    admit: 'no',
    limit: 'max_concurrent',
    current: 1,
    max: 1,
    detail: "docker_quota_exceeded: challenge 'alpha' is at its concurrency cap (1/1 active workloads)",
  });
  assert.deepEqual(decideQuota({ slug: 'alpha', gpus: 0, grant: grant({ max_queued: 1 }), global: GLOBAL, runs: one, canQueue: true }), { admit: 'queue' });
  const full = runs(...one, viewRun(runService('q', { replicas: 0 }), []));
  assert.equal(decideQuota({ slug: 'alpha', gpus: 0, grant: grant({ max_queued: 1 }), global: GLOBAL, runs: full, canQueue: true }).admit, 'no');
  assert.deepEqual(decideQuota({ slug: 'beta', gpus: 0, grant: grant(), global: GLOBAL, runs: one, canQueue: false }), { admit: 'now' }, "another slug's runs do not count");
});

test('a new run never overtakes queued ones of its slug; GPU quotas per slug and for the broker', () => {
  const waiting = runs(viewRun(runService('q', { replicas: 0 }), []));
  assert.equal(decideQuota({ slug: 'alpha', gpus: 0, grant: grant({ max_concurrent: 2, max_queued: 4 }), global: GLOBAL, runs: waiting, canQueue: true }).admit, 'queue');
  const gpuRun = runs(viewRun(runService('g', { gpus: 1 }), [task('g', 'running', T0)]));
  const refused = decideQuota({ slug: 'alpha', gpus: 1, grant: grant({ max_concurrent: 4, max_gpus: 1 }), global: GLOBAL, runs: gpuRun, canQueue: false });
  assert.equal(refused.admit === 'no' && refused.limit, 'max_gpus');
  const globalRefused = decideQuota({ slug: 'beta', gpus: 1, grant: grant({ max_concurrent: 4, max_gpus: 2 }), global: { max_concurrent: 32, max_concurrent_gpus: 1 }, runs: gpuRun, canQueue: false });
  assert.equal(globalRefused.admit === 'no' && globalRefused.limit, 'global_max_concurrent_gpus');
});
