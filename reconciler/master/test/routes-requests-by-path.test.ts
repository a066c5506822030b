import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { routeClassOf } from '../route-class.ts';
import { send, startTestMaster, startUpstream, type RecordingUpstream, type TestMaster } from './support.ts';

let upstream: RecordingUpstream;
let master: TestMaster;
before(async () => {
  upstream = await startUpstream();
  master = await startTestMaster({ upstreams: { alpha: upstream.origin } });
});
after(async () => {
  await master.close();
  await upstream.close();
});

test('route classes: /challenges/... is the proxy, fixed routes by exact path, the rest not-found', () => {
  assert.equal(routeClassOf('/challenges/alpha/x'), 'proxy');
  assert.equal(routeClassOf('/challenges'), 'proxy');
  assert.equal(routeClassOf('/challengesx'), 'not-found');
  assert.equal(routeClassOf('/v1/registry'), 'registry');
  assert.equal(routeClassOf('/v1/registry/'), 'not-found');
  assert.equal(routeClassOf('/v1/weights/latest'), 'weights');
  assert.equal(routeClassOf('/health'), 'health');
  assert.equal(routeClassOf('/version'), 'version');
  assert.equal(routeClassOf('/metrics'), 'metrics');
  assert.equal(routeClassOf('/admin/plan'), 'admin');
  assert.equal(routeClassOf('/administrator'), 'not-found');
  assert.equal(routeClassOf('/'), 'status');
  assert.equal(routeClassOf('/index.html'), 'not-found');
});

test('/challenges/<slug>/... reaches the upstream with the sub-path and query', async () => {
  const response = await send(master.port, '/challenges/alpha/submissions?page=2');
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(response.body), { ok: true, url: '/submissions?page=2' });
  assert.equal(upstream.requests.at(-1)?.url, '/submissions?page=2');
});

test('the proxy rules hold behind the server: internal routes 403, unknown slug 404', async () => {
  const before = upstream.requests.length;
  const blocked = await send(master.port, '/challenges/alpha/internal/v1/get_weights');
  assert.equal(blocked.status, 403);
  assert.deepEqual(JSON.parse(blocked.body), { detail: 'Proxy path is not allowed' });
  const unknown = await send(master.port, '/challenges/nobody/x');
  assert.equal(unknown.status, 404);
  assert.deepEqual(JSON.parse(unknown.body), { detail: 'Challenge not found' });
  assert.equal(upstream.requests.length, before);
});

test('fixed routes answer JSON; version comes from the server', async () => {
  const version = await send(master.port, '/version');
  assert.equal(version.status, 200);
  assert.deepEqual(JSON.parse(version.body), { name: 'base-master', version: '9.8.7', api_version: '1' });
  const registry = await send(master.port, '/v1/registry');
  assert.equal(registry.status, 200);
  assert.match(registry.headers['content-type'] ?? '', /^application\/json/);
  const health = await send(master.port, '/health');
  assert.equal(health.status, 200);
  assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
});

test('the proxy prefix is recognised in any spelling the proxy accepts (case, percent-encoding), under the same rules', async () => {
  const before = upstream.requests.length;
  for (const path of ['/CHALLENGES/alpha/spelled', '/%63hallenges/alpha/spelled']) {
    const response = await send(master.port, path);
    assert.equal(response.status, 200, path);
    assert.equal(upstream.requests.at(-1)?.url, '/spelled');
  }
  assert.equal((await send(master.port, '/Challenges/alpha/internal/x')).status, 403);
  assert.equal(upstream.requests.length, before + 2);
});

test('anything else is a JSON 404, and writes to read-only routes are 405', async () => {
  for (const path of ['/v1', '/v1/registry/x', '/v1/weights/', '/v1/weights/1/2', '/healthz', '/challengesx', '/favicon.ico']) {
    const response = await send(master.port, path);
    assert.equal(response.status, 404, path);
    assert.deepEqual(JSON.parse(response.body), { detail: 'Not found' }, path);
  }
  const post = await send(master.port, '/v1/registry', { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  const head = await send(master.port, '/health', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});
