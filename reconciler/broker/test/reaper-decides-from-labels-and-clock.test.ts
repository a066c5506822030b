import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveJobsPolicy } from '../../desired-state/broker-policy.ts';
import { decideReaping, type ReapInput } from '../reaper.ts';
import { viewRun, type RunView } from '../run-state.ts';
import { runService, T0, task } from './support-runs.ts';

const grants = new Map([['alpha', effectiveJobsPolicy({ images: ['r/x'], classes: ['cpu'], max_concurrent: 1, max_queued: 4 })]]);
const input = (runs: Array<RunView | null>, now: number, extra: Partial<ReapInput> = {}): ReapInput => ({
  runs: runs.filter((r): r is RunView => r !== null),
  networks: [],
  grants,
  global: { max_concurrent: 32, max_concurrent_gpus: 8 },
  finishedJobSeconds: 3600,
  now,
  ...extra,
});
const kinds = (actions: ReturnType<typeof decideReaping>) => actions.map((a) => [a.kind, a.runId, 'outcome' in a ? a.outcome : null]);

test('a run past its timeout (plus clock skew) is stopped as timed_out; within it, left alone', () => {
  const running = viewRun(runService('r', { timeout: 60, deadline: T0 + 10_000 }), [task('r', 'running', T0 + 10)]);
  assert.deepEqual(kinds(decideReaping(input([running], T0 + 10 + 60 + 30))), []);
  assert.deepEqual(kinds(decideReaping(input([running], T0 + 10 + 60 + 31))), [['stop', 'r', 'timed_out']]);
});

test('the deadline label stops any live run, whatever its state', () => {
  const pending = viewRun(runService('p', { deadline: T0 + 50, queueTimeout: 1000 }), []);
  const running = viewRun(runService('r', { deadline: T0 + 50 }), [task('r', 'running', T0 + 1)]);
  assert.deepEqual(kinds(decideReaping(input([pending, running], T0 + 51))), [
    ['stop', 'p', 'unschedulable'],
    ['stop', 'r', 'timed_out'],
  ]);
});

test("a run that never started within its queue timeout is unschedulable, with Swarm's reason", () => {
  const pending = viewRun(runService('p', { queueTimeout: 30, deadline: T0 + 10_000 }), [task('p', 'pending', T0 + 1, { err: 'no suitable node (insufficient resources on 1 node)' })]);
  const actions = decideReaping(input([pending], T0 + 31));
  assert.deepEqual(actions, [{ kind: 'stop', serviceId: 'svc-p', runId: 'p', outcome: 'unschedulable', reason: 'not started within 30 s: no suitable node (insufficient resources on 1 node)' }]);
});

test('finished runs are expired after retention; networks whose run is gone are removed', () => {
  const done = viewRun(runService('d'), [task('d', 'complete', T0 + 100, { exitCode: 0 })]);
  assert.deepEqual(kinds(decideReaping(input([done], T0 + 100 + 3600))), []);
  assert.deepEqual(kinds(decideReaping(input([done], T0 + 100 + 3601))), [['expire', 'd', null]]);
  const networks = [{ id: 'n1', runId: 'd' }, { id: 'n2', runId: 'gone' }];
  assert.deepEqual(kinds(decideReaping(input([done], T0 + 200, { networks }))), [['remove-network', 'gone', null]]);
});

test('queued runs are promoted oldest first into free slots, including a slot freed by a stop in the same pass', () => {
  const older = viewRun(runService('q1', { replicas: 0, createdAt: T0 + 1, queueTimeout: 1000, deadline: T0 + 10_000 }), []);
  const newer = viewRun(runService('q2', { replicas: 0, createdAt: T0 + 2, queueTimeout: 1000, deadline: T0 + 10_000 }), []);
  assert.deepEqual(kinds(decideReaping(input([newer, older], T0 + 5))), [['promote', 'q1', null]]);
  const overdue = viewRun(runService('r', { timeout: 10, deadline: T0 + 10_000 }), [task('r', 'running', T0)]);
  assert.deepEqual(kinds(decideReaping(input([overdue, newer, older], T0 + 41))), [
    ['stop', 'r', 'timed_out'],
    ['promote', 'q1', null],
  ]);
  const busy = viewRun(runService('b', { deadline: T0 + 10_000 }), [task('b', 'running', T0)]);
  assert.deepEqual(kinds(decideReaping(input([busy, older], T0 + 5))), [], 'no slot: nothing promoted');
});
