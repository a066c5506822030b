import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { ChallengeProber, type ProbeResult } from '../probes.ts';

async function server(handler: http.RequestListener): Promise<{ origin: string; close(): Promise<void>; hits: string[] }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    }),
  };
}

const healthy: http.RequestListener = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(req.url === '/version' ? JSON.stringify({ version: '2.3.1', secret: 'do-not-keep' }) : JSON.stringify({ status: 'ok' }));
};

test('every target is probed on /health and /version at once; the last result, time and version are kept', async () => {
  const ok = await server(healthy);
  const sick = await server((req, res) => {
    res.statusCode = req.url === '/health' ? 503 : 200;
    res.end('{}');
  });
  const slow = await server((req, res) => setTimeout(() => healthy(req, res), 2_000));
  const refused = await server(healthy);
  await refused.close();
  const seen: Array<[string, ProbeResult]> = [];
  const prober = new ChallengeProber({
    targets: { targets: () => new Map([['ok', ok.origin], ['sick', sick.origin], ['slow', slow.origin], ['gone', refused.origin]]) },
    timeoutMs: 300,
    now: () => new Date('2026-02-02T00:00:00Z'),
    onResult: (slug, result) => seen.push([slug, result]),
  });
  try {
    const started = Date.now();
    await prober.probeAll();
    assert.ok(Date.now() - started < 1_500, 'probes run concurrently with a short timeout');
    assert.deepEqual(ok.hits.sort(), ['/health', '/version']);
    const okResult = prober.last('ok')!;
    assert.equal(okResult.ok, true);
    assert.equal(okResult.version, '2.3.1');
    assert.equal(okResult.checkedAt, '2026-02-02T00:00:00.000Z');
    assert.ok(!JSON.stringify(okResult).includes('do-not-keep'), 'only the version is kept from the body');
    assert.deepEqual([prober.last('sick')!.ok, prober.last('sick')!.error, prober.last('sick')!.healthStatus], [false, 'status-503', 503]);
    assert.deepEqual([prober.last('slow')!.ok, prober.last('slow')!.error], [false, 'timeout']);
    assert.deepEqual([prober.last('gone')!.ok, prober.last('gone')!.error], [false, 'ECONNREFUSED']);
    assert.equal(seen.length, 4);
    for (const [, result] of seen) assert.ok(!JSON.stringify(result).includes('127.0.0.1'), 'no upstream address in a result');
  } finally {
    await prober.stop();
    await ok.close();
    await sick.close();
    await slow.close();
  }
});

test('a challenge that leaves the targets is forgotten; one that recovers turns ok on the next round', async () => {
  let failing = true;
  const flaky = await server((req, res) => {
    if (failing) {
      res.statusCode = 500;
      return res.end();
    }
    healthy(req, res);
  });
  let targets = new Map([['flaky', flaky.origin], ['other', flaky.origin]]);
  const prober = new ChallengeProber({ targets: { targets: () => targets }, timeoutMs: 500 });
  try {
    await prober.probeAll();
    assert.equal(prober.last('flaky')!.ok, false);
    failing = false;
    targets = new Map([['flaky', flaky.origin]]);
    await prober.probeAll();
    assert.equal(prober.last('flaky')!.ok, true);
    assert.equal(prober.last('other'), undefined);
  } finally {
    await prober.stop();
    await flaky.close();
  }
});
