import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { logged, send, startTestMaster, startUpstream } from './support.ts';

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('GET /metrics is Prometheus text counting requests by route class and status, upstream latency and failures per slug', async () => {
  const upstream = await startUpstream();
  const dead = await closedPort();
  const master = await startTestMaster({ upstreams: { alpha: upstream.origin, beta: `http://127.0.0.1:${dead}` } });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await send(master.port, '/challenges/alpha/x')).status, 200);
    assert.equal((await send(master.port, '/challenges/alpha/health')).status, 403);
    assert.equal((await send(master.port, '/challenges/beta/x')).status, 502);
    assert.equal((await send(master.port, '/v1/registry')).status, 200);
    assert.equal((await send(master.port, '/nowhere')).status, 404);
    assert.equal((await send(master.port, '/admin/plan')).status, 401);
    await logged(master, 8);

    const response = await send(master.port, '/metrics');
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'] ?? '', /^text\/plain/);
    const text = response.body;
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'proxy', status: '200' }), 3);
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'proxy', status: '403' }), 1);
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'proxy', status: '502' }), 1);
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'registry', status: '200' }), 1);
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'not-found', status: '404' }), 1);
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'admin', status: '401' }), 1);
    assert.equal(sample(text, 'base_master_proxy_upstream_seconds_count', { slug: 'alpha' }), 3);
    assert.equal(sample(text, 'base_master_proxy_transport_failures_total', { slug: 'beta', code: 'ECONNREFUSED' }), 1);
    for (const name of [
      'base_master_reconcile_runs_total',
      'base_master_reconcile_failures_total',
      'base_master_reconcile_duration_seconds',
      'base_master_challenge_healthy',
      'base_master_store_available',
      'base_master_store_outage_seconds',
    ]) {
      assert.ok(text.includes(`# TYPE ${name} `), `${name} is exposed`);
    }
    // The scrape itself is counted once the response is over.
    await logged(master, 9);
    const again = await send(master.port, '/metrics');
    assert.equal(sample(again.body, 'base_master_http_requests_total', { route: 'metrics', status: '200' }), 1);
  } finally {
    await master.close();
    await upstream.close();
  }
});

test('each server instance has its own registry: counts do not leak between instances', async () => {
  const first = await startTestMaster();
  const second = await startTestMaster();
  try {
    await send(first.port, '/version');
    await logged(first, 1);
    const text = (await send(second.port, '/metrics')).body;
    assert.equal(sample(text, 'base_master_http_requests_total', { route: 'version' }), undefined);
  } finally {
    await first.close();
    await second.close();
  }
});
