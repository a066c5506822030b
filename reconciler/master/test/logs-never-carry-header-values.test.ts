import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_TOKEN, logged, send, startTestMaster, startUpstream } from './support.ts';

test('one JSON line per request with method, route class, slug, status and duration; no header values, query or body', async () => {
  const upstream = await startUpstream();
  const master = await startTestMaster({ upstreams: { alpha: upstream.origin } });
  const secrets = ['cookie-secret-xyz', 'bearer-secret-abc', 'query-token-123', 'body-secret-456', 'hotkey-secret-789', ADMIN_TOKEN];
  try {
    await send(master.port, '/challenges/alpha/submissions?token=query-token-123', {
      method: 'POST',
      headers: { cookie: 'session=cookie-secret-xyz', authorization: 'Bearer bearer-secret-abc', 'x-hotkey': 'hotkey-secret-789', 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'body-secret-456' }),
    });
    await send(master.port, `/admin/last-plan?token=query-token-123`, { headers: { 'x-admin-token': ADMIN_TOKEN, cookie: 'cookie-secret-xyz' } });
    await send(master.port, '/v1/registry?api_key=query-token-123', { headers: { authorization: 'Bearer bearer-secret-abc' } });
    await send(master.port, '/challenges/ghost/x?token=query-token-123');
    await logged(master, 4);

    const raw = master.rawLog();
    for (const secret of secrets) assert.ok(!raw.includes(secret), `the log contains ${secret}`);
    assert.ok(!raw.includes('submissions'), 'no paths (they may carry ids) beyond route class and slug');
    const requests = master.logs.filter((l) => l.msg === 'request');
    assert.equal(requests.length, 4);
    for (const line of raw.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line));
    const proxied = requests[0]!;
    assert.deepEqual(Object.keys(proxied).sort(), ['duration_ms', 'method', 'msg', 'route', 'slug', 'status', 'time']);
    assert.equal(proxied.method, 'POST');
    assert.equal(proxied.route, 'proxy');
    assert.equal(proxied.slug, 'alpha');
    assert.equal(proxied.status, 200);
    assert.equal(typeof proxied.duration_ms, 'number');
    assert.deepEqual(requests.slice(1).map((l) => [l.route, l.status]), [['admin', 200], ['registry', 200], ['proxy', 404]]);
    assert.equal(requests[1]!.slug, undefined);
  } finally {
    await master.close();
    await upstream.close();
  }
});

test('odd methods are logged as OTHER, never verbatim', async () => {
  const master = await startTestMaster();
  try {
    await send(master.port, '/version', { method: 'PROPFIND' });
    await logged(master, 1);
    const line = master.logs.find((l) => l.msg === 'request')!;
    assert.equal(line.method, 'PROPFIND');
    const { jsonLog } = await import('../log.ts');
    let out = '';
    jsonLog((l) => (out += l)).request({ method: 'get\n{"forged":1}', route: 'proxy', slug: 'Bad Slug', status: 200, durationMs: 1 });
    const parsed = JSON.parse(out) as Record<string, unknown>;
    assert.equal(parsed.method, 'OTHER');
    assert.equal('slug' in parsed, false);
    assert.equal(out.trim().split('\n').length, 1);
  } finally {
    await master.close();
  }
});
