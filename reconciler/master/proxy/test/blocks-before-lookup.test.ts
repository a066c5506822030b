import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startProxy, startUpstream, wireBytes } from './support.ts';
import type { RecordingUpstream, RunningProxy } from './support.ts';

let upstream: RecordingUpstream;
let proxy: RunningProxy;

before(async () => {
  upstream = await startUpstream();
  proxy = await startProxy({ agent: upstream.origin });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});

test('blocked paths answer 403 before any slug lookup and never reach the upstream', async () => {
  const paths = [
    '/challenges/agent/health',
    '/challenges/agent/version/',
    '/challenges/agent/internal/secrets',
    '/challenges/agent/%2569nternal',
    '/challenges/agent/x/..%2F..%2Fother/y',
    '/challenges/agent/benchmark-executions/1',
    '/challenges/agent/benchmarks/7/run',
    '/challenges/agent/BENCHMARK/7/Execute',
    '/challenges/unknown-slug/health', // blocked wins over not-found: decided before lookup
    '/challenges/agent/%EF%BD%88ealth', // fullwidth h, percent-encoded
  ];
  for (const method of ['GET', 'POST', 'DELETE']) {
    for (const path of paths) {
      const res = await send(proxy.port, path, { method, body: method === 'POST' ? '{"a":1}' : undefined });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(res.body), { detail: 'Proxy path is not allowed' });
    }
  }
  assert.deepEqual(proxy.resolveCalls, []);
  assert.equal(upstream.requests.length, 0);
  assert.ok(proxy.events.every((e) => e.outcome === 'blocked' && e.status === 403));
});

test('raw non-ASCII bytes in the target are refused by the HTTP parser itself', async () => {
  const res = await send(proxy.port, wireBytes('/challenges/agent/\uff48ealth'));
  assert.equal(res.status, 400);
  assert.equal(upstream.requests.length, 0);
});

test('unknown slugs answer 404 Challenge not found', async () => {
  for (const path of ['/challenges/nope', '/challenges/nope/x?y=1', '/challenges/Agent/x', '/challenges/a_b/x']) {
    const res = await send(proxy.port, path);
    assert.equal(res.status, 404, path);
    assert.deepEqual(JSON.parse(res.body), { detail: 'Challenge not found' });
  }
  assert.deepEqual(proxy.resolveCalls, ['nope', 'nope']); // malformed slugs are not even looked up
  assert.equal(upstream.requests.length, 0);
});

test('malformed escapes answer 400 and the server keeps serving', async () => {
  for (const path of ['/challenges/agent/%c0%ae%c0%ae/health', '/challenges/agent/%ff', '/challenges/agent/a%00b']) {
    const res = await send(proxy.port, path);
    assert.equal(res.status, 400, path);
    assert.deepEqual(JSON.parse(res.body), { detail: 'Malformed proxy path' });
  }
  assert.equal(upstream.requests.length, 0);
  const ok = await send(proxy.port, '/challenges/agent/ok');
  assert.equal(ok.status, 200);
});

test('a request outside /challenges answers 404 without lookup', async () => {
  const calls = proxy.resolveCalls.length;
  const res = await send(proxy.port, '/v1/registry');
  assert.equal(res.status, 404);
  assert.deepEqual(JSON.parse(res.body), { detail: 'Not found' });
  assert.equal(proxy.resolveCalls.length, calls);
});
