import assert from 'node:assert/strict';
import { test } from 'node:test';
import { viewRun } from '../run-state.ts';
import { runService, T0, task } from './support-runs.ts';

const state = (service = runService('r1'), tasks = [task('r1', 'running', T0 + 5)]) => viewRun(service, tasks)?.state;

test("a run's state comes from its service and task alone", () => {
  assert.equal(state(runService('r1', { replicas: 0 }), []), 'queued');
  assert.equal(state(runService('r1'), []), 'pending');
  assert.equal(state(runService('r1'), [task('r1', 'preparing', T0 + 1)]), 'pending');
  assert.equal(state(), 'running');
  assert.equal(state(runService('r1'), [task('r1', 'complete', T0 + 9, { exitCode: 0 })]), 'succeeded');
  assert.equal(state(runService('r1'), [task('r1', 'failed', T0 + 9, { exitCode: 3 })]), 'failed');
});

test("a task Swarm could not start (pull failure, bad mount) is rejected, never the miner's failure", () => {
  const view = viewRun(runService('r1'), [task('r1', 'failed', T0 + 2, { err: 'No such image: reg.example/x' })]);
  assert.deepEqual([view?.state, view?.reason, view?.exitCode], ['rejected', 'No such image: reg.example/x', null]);
  assert.equal(state(runService('r1'), [task('r1', 'rejected', T0 + 2, { err: 'invalid mount config' })]), 'rejected');
});

test('labels carry what was asked: slug, GPUs, timeouts, deadline; foreign services are not runs', () => {
  const view = viewRun(runService('r1', { slug: 'beta', gpus: 2, timeout: 60, queueTimeout: 30, deadline: T0 + 100 }), []);
  assert.deepEqual([view?.slug, view?.gpus, view?.workload, view?.timeoutSeconds, view?.queueTimeoutSeconds, view?.deadline, view?.createdAt], ['beta', 2, 'gpu', 60, 30, T0 + 100, T0]);
  const foreign = runService('r2');
  foreign.Spec.Labels = { 'base.managed-by': 'base' };
  assert.equal(viewRun(foreign, []), null);
});
