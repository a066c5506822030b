import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '../../plan/model.ts';
import type { ApplyRecord } from '../../store/index.ts';
import { adminAuth } from '../admin-auth.ts';
import { ADMIN_TOKEN, send, startTestMaster } from './support.ts';

const ROUTES: Array<[string, string]> = [
  ['GET', '/admin/last-plan'],
  ['GET', '/admin/plan'],
  ['GET', '/admin/applies'],
  ['POST', '/admin/reconcile'],
  ['GET', '/admin/unknown'],
  ['GET', '/admin'],
];

function fakePlan(): Plan {
  return {
    format_version: 1,
    revision: 'r1',
    changes: [
      {
        kind: 'service',
        name: 'challenge-alpha',
        action: 'update',
        impact: 'rolls-tasks',
        diffs: [
          { path: 'TaskTemplate.ContainerSpec.Env.API_TOKEN', before: 'old-secret-value-1', after: 'new-secret-value-2', sensitive: true, rollsTasks: true },
        ],
        desired: {
          kind: 'service',
          name: 'challenge-alpha',
          slug: 'alpha',
          spec: { Name: 'challenge-alpha', TaskTemplate: { ContainerSpec: { Image: 'x', Env: ['API_TOKEN=new-secret-value-2', 'LOG_LEVEL=info'] } } },
        },
        live: { id: 'abc', version: 3 },
        reason: 'drift',
      },
    ],
    warnings: [],
    summary: { add: 0, change: 1, destroy: 0, rollsTasks: 1 },
    live_fingerprint: 'f',
    hash: 'h',
  } as unknown as Plan;
}

const applies: ApplyRecord[] = [
  { id: 'a1', revision: 'r1', planHash: 'h', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:05.000Z', outcome: 'succeeded', objects: [], durationMs: 5000 },
];

test('with no token configured every admin route answers 401, whatever the caller sends', async () => {
  let reconciles = 0;
  const master = await startTestMaster({
    adminToken: null,
    lastPlan: fakePlan(),
    plan: async () => fakePlan(),
    applies: async () => applies,
    reconcile: () => (reconciles++, { accepted: true, detail: 'started' }),
  });
  try {
    for (const [method, path] of ROUTES) {
      for (const headers of [{}, { 'x-admin-token': '' }, { 'x-admin-token': 'anything' }, { authorization: 'Bearer ' }, { authorization: 'Bearer anything' }]) {
        const response = await send(master.port, path, { method, headers });
        assert.equal(response.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
        assert.deepEqual(JSON.parse(response.body), { detail: 'Admin token required' });
      }
    }
    assert.equal(reconciles, 0);
  } finally {
    await master.close();
  }
});

test('a wrong, truncated or padded token answers 401 and triggers nothing', async () => {
  let reconciles = 0;
  const master = await startTestMaster({ reconcile: () => (reconciles++, { accepted: true, detail: 'started' }) });
  try {
    for (const token of ['wrong', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`, ADMIN_TOKEN.toUpperCase()]) {
      for (const headers of [{ 'x-admin-token': token }, { authorization: `Bearer ${token}` }]) {
        const response = await send(master.port, '/admin/reconcile', { method: 'POST', headers });
        assert.equal(response.status, 401, JSON.stringify(headers));
      }
    }
    const basic = await send(master.port, '/admin/last-plan', { headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    assert.equal(basic.status, 401);
    assert.equal(reconciles, 0);
  } finally {
    await master.close();
  }
});

test('the right token (X-Admin-Token or Bearer) opens the admin routes; plans are masked', async () => {
  let reconciles = 0;
  const master = await startTestMaster({
    lastPlan: fakePlan(),
    plan: async () => fakePlan(),
    applies: async (limit) => applies.slice(0, limit),
    reconcile: () => (reconciles++, { accepted: true, detail: 'Reconcile pass started' }),
  });
  try {
    const viaHeader = { 'x-admin-token': ADMIN_TOKEN };
    const viaBearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const headers of [viaHeader, viaBearer]) {
      for (const path of ['/admin/last-plan', '/admin/plan']) {
        const response = await send(master.port, path, { headers });
        assert.equal(response.status, 200, path);
        assert.ok(!response.body.includes('secret-value'), `${path} leaks a sensitive value: ${response.body}`);
        const plan = (JSON.parse(response.body) as { plan: Plan }).plan;
        assert.equal(plan.changes[0]?.diffs[0]?.after, '(sensitive)');
        assert.ok(response.body.includes('LOG_LEVEL=info'), 'non-sensitive env stays readable for operators');
      }
      const list = await send(master.port, '/admin/applies?limit=5', { headers });
      assert.equal(list.status, 200);
      assert.deepEqual(JSON.parse(list.body), { applies });
    }
    const triggered = await send(master.port, '/admin/reconcile', { method: 'POST', headers: viaBearer });
    assert.equal(triggered.status, 202);
    assert.equal(reconciles, 1);
    const wrongMethod = await send(master.port, '/admin/reconcile', { headers: viaBearer });
    assert.equal(wrongMethod.status, 405);
    const unknown = await send(master.port, '/admin/nothing', { headers: viaBearer });
    assert.equal(unknown.status, 404);
  } finally {
    await master.close();
  }
});

test('a refused reconcile (one already running) is 409; missing capabilities are 503', async () => {
  const master = await startTestMaster({ reconcile: () => ({ accepted: false, detail: 'A reconcile pass is already running' }) });
  try {
    const headers = { 'x-admin-token': ADMIN_TOKEN };
    assert.equal((await send(master.port, '/admin/reconcile', { method: 'POST', headers })).status, 409);
    assert.equal((await send(master.port, '/admin/plan', { headers })).status, 503);
    assert.equal((await send(master.port, '/admin/applies', { headers })).status, 503);
    const last = await send(master.port, '/admin/last-plan', { headers });
    assert.deepEqual(JSON.parse(last.body), { plan: null });
  } finally {
    await master.close();
  }
});

test('adminAuth: only the exact token, by either header; an empty configured token authorizes nothing', () => {
  const auth = adminAuth('s3cret-token-value-123');
  assert.equal(auth.configured, true);
  assert.equal(auth.authorized({ 'x-admin-token': 's3cret-token-value-123' }), true);
  assert.equal(auth.authorized({ authorization: 'bearer s3cret-token-value-123' }), true);
  assert.equal(auth.authorized({ authorization: 'Bearer s3cret-token-value-123 extra' }), false);
  assert.equal(auth.authorized({}), false);
  const none = adminAuth('');
  assert.equal(none.configured, false);
  assert.equal(none.authorized({ 'x-admin-token': '' }), false);
});
