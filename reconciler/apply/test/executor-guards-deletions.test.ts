import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { applyPlan } from '../apply-plan.ts';
import { openStateDir } from '../../state/index.ts';
import { PLAN_FORMAT_VERSION, type Change, type Plan } from '../../plan/model.ts';

function planOf(changes: Change[]): Plan {
  return {
    format_version: PLAN_FORMAT_VERSION,
    revision: null,
    changes,
    warnings: [],
    summary: { add: 0, change: 0, destroy: changes.length, restarts: 0, unchanged: 0 },
    live_fingerprint: 'f',
    hash: 'h',
  };
}

const del = (kind: Change['kind'], name: string): Change => ({
  kind,
  name,
  action: 'delete',
  impact: 'none',
  diffs: [],
  desired: null,
  live: { id: `${name}-id`, version: 1 },
  reason: 'test',
});

/** A fake engine: objects by ID with labels; records removals. */
function fakeDocker(labels: Record<string, Record<string, string>>) {
  const removed: string[] = [];
  const handle = (id: string, shape: 'spec' | 'flat') => ({
    inspect: async () => {
      if (!(id in labels)) throw Object.assign(new Error('(HTTP code 404) no such object'), { statusCode: 404, json: { message: 'not found' } });
      return shape === 'spec' ? { ID: id, Spec: { Labels: labels[id] } } : { Id: id, Labels: labels[id] };
    },
    remove: async () => {
      removed.push(id);
    },
  });
  const docker = {
    getService: (id: string) => handle(id, 'spec'),
    getSecret: (id: string) => handle(id, 'spec'),
    getNetwork: (id: string) => handle(id, 'flat'),
    getVolume: () => {
      throw new Error('the executor must never touch a volume for deletion');
    },
  };
  return { docker: docker as unknown as Docker, removed };
}

test('the executor deletes managed objects in plan order, refuses volumes and nodes, and never removes an unmanaged object', async () => {
  const managed = { 'base.managed-by': 'base' };
  const { docker, removed } = fakeDocker({ 'svc-id': managed, 'sec-id': managed, 'net-id': managed, 'foreign-id': { owner: 'someone' } });
  const result = await applyPlan(
    planOf([del('service', 'svc'), del('service', 'foreign'), del('volume', 'vol'), del('secret', 'sec'), del('network', 'net'), del('node', 'n1'), del('service', 'gone')]),
    docker,
    { state: openStateDir('/nonexistent-state-dir') },
  );
  assert.deepEqual(removed, ['svc-id', 'sec-id', 'net-id']);
  const outcome = Object.fromEntries(result.objects.map((o) => [`${o.kind} ${o.name}`, o.outcome]));
  assert.deepEqual(outcome, {
    'service svc': 'succeeded',
    'service foreign': 'failed',
    'volume vol': 'failed',
    'secret sec': 'succeeded',
    'network net': 'succeeded',
    'node n1': 'failed',
    'service gone': 'succeeded', // already gone: deleting is idempotent
  });
  const errors = Object.fromEntries(result.objects.map((o) => [o.name, o.error ?? '']));
  assert.match(errors.foreign!, /not managed by base/);
  assert.match(errors.vol!, /volumes are never removed/);
  assert.match(errors.n1!, /left alone/);
  assert.equal(result.outcome, 'partial');
});

test('a service update whose Version moved is a clear version-conflict failure', async () => {
  const docker = {
    listSecrets: async () => [],
    getService: () => ({
      inspect: async () => ({ ID: 'x-id', Version: { Index: 8 }, Spec: { Name: 'challenge-x', TaskTemplate: { ForceUpdate: 0 } } }),
      update: async () => {
        throw Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'rpc error: code = Unknown desc = update out of sequence' } });
      },
    }),
  } as unknown as Docker;
  const change: Change = {
    kind: 'service',
    name: 'challenge-x',
    action: 'update',
    impact: 'no-restart',
    diffs: [],
    desired: { kind: 'service', name: 'challenge-x', slug: 'x', spec: { Name: 'challenge-x', Labels: {} } },
    live: { id: 'x-id', version: 7 },
    reason: null,
  };
  const result = await applyPlan(planOf([change]), docker, { state: openStateDir('/nonexistent-state-dir') });
  assert.equal(result.outcome, 'failed');
  assert.match(result.objects[0]!.error ?? '', /version conflict: service challenge-x changed since the plan was made \(plan saw Version 7\); re-plan/);
});
