import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { closeServer, listen, send, startProxy, startUpstream, waitFor } from './support.ts';
import type { RecordingUpstream, RunningProxy } from './support.ts';

let upstream: RecordingUpstream;
let other: RecordingUpstream;
let proxy: RunningProxy;

before(async () => {
  upstream = await startUpstream();
  other = await startUpstream();
  proxy = await startProxy({ agent: upstream.origin, other: other.origin });
});
after(async () => {
  await proxy.close();
  await upstream.close();
  await other.close();
});

test('path and query reach the slug\'s upstream, in canonical form', async () => {
  upstream.requests.length = 0;
  const cases: Array<[string, string]> = [
    ['/challenges/agent', '/'],
    ['/challenges/agent/', '/'],
    ['/challenges/agent/submissions?limit=5&q=a%20b&x=%2F..%2Finternal', '/submissions?limit=5&q=a%20b&x=%2F..%2Finternal'],
    ['/challenges/agent//a///b/./c/../d', '/a/b/d'],
    ['/challenges/agent/a%2Fb/%2561', '/a/b/a'],
    ['/challenges/agent/items/', '/items/'],
    ['/challenges/agent/health/details', '/health/details'],
  ];
  for (const [path, expected] of cases) {
    const res = await send(proxy.port, path);
    assert.equal(res.status, 200, path);
    assert.equal(upstream.requests.at(-1)?.url, expected, path);
  }
  assert.equal(other.requests.length, 0);
  assert.equal((await send(proxy.port, '/challenges/other/x')).status, 200);
  assert.equal(other.requests.at(-1)?.url, '/x');
});

test('method and body are forwarded', async () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const body = JSON.stringify({ method, pad: 'x'.repeat(100_000) });
    const res = await send(proxy.port, '/challenges/agent/things', {
      method,
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    const seen = upstream.requests.at(-1)!;
    assert.equal(seen.method, method);
    assert.equal(seen.body.toString(), body);
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(body)));
  }
  // a chunked request body arrives whole as well
  const res = await new Promise<number>((resolve, reject) => {
    const req = http.request({ port: proxy.port, host: '127.0.0.1', method: 'POST', path: '/challenges/agent/chunked', agent: false });
    req.on('response', (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    });
    req.on('error', reject);
    req.write('part-1;');
    req.write('part-2;');
    req.end('part-3');
  });
  assert.equal(res, 200);
  assert.equal(upstream.requests.at(-1)!.body.toString(), 'part-1;part-2;part-3');
});

test('the request body streams to the upstream before the client finished sending it', async () => {
  const firstChunkSeen: string[] = [];
  const streaming = await startUpstream();
  streaming.server.removeAllListeners('request');
  streaming.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.once('data', (c: Buffer) => firstChunkSeen.push(c.toString()));
    req.resume();
    req.on('end', () => res.end('done'));
  });
  const p = await startProxy({ s: streaming.origin });
  try {
    const req = http.request({ port: p.port, host: '127.0.0.1', method: 'POST', path: '/challenges/s/upload', agent: false });
    const response = new Promise<string>((resolve, reject) => {
      req.on('response', (r) => {
        let b = '';
        r.on('data', (c: Buffer) => (b += c.toString()));
        r.on('end', () => resolve(b));
      });
      req.on('error', reject);
    });
    req.write('first-chunk');
    await waitFor(() => firstChunkSeen.length === 1, 2_000, 'first chunk at the upstream');
    assert.equal(firstChunkSeen[0], 'first-chunk');
    req.end('second-chunk');
    assert.equal(await response, 'done');
  } finally {
    await p.close();
    await streaming.close();
  }
});

test('upstream connections are pooled with keep-alive', async () => {
  upstream.requests.length = 0;
  for (let i = 0; i < 5; i++) await send(proxy.port, `/challenges/agent/seq/${i}`);
  const ports = new Set(upstream.requests.map((r) => r.remotePort));
  assert.equal(upstream.requests.length, 5);
  assert.equal(ports.size, 1, `expected one reused upstream connection, saw ${ports.size}`);
});

test('events report slug, status, outcome and timings', async () => {
  proxy.events.length = 0;
  await send(proxy.port, '/challenges/agent/evt');
  await waitFor(() => proxy.events.length === 1);
  const e = proxy.events[0]!;
  assert.equal(e.slug, 'agent');
  assert.equal(e.status, 200);
  assert.equal(e.outcome, 'forwarded');
  assert.equal(e.method, 'GET');
  assert.ok(e.durationMs >= 0 && e.upstreamMs !== undefined && e.upstreamMs <= e.durationMs);
});

test('a client that goes away cancels the upstream request', async () => {
  let upstreamClosed = false;
  const slow = await startUpstream();
  slow.server.removeAllListeners('request');
  slow.server.on('request', (req: http.IncomingMessage) => {
    req.socket.once('close', () => (upstreamClosed = true)); // never answers
  });
  const p = await startProxy({ slow: slow.origin });
  try {
    const req = http.get({ host: '127.0.0.1', port: p.port, path: '/challenges/slow/x', agent: false });
    req.on('error', () => {});
    await waitFor(() => slow.server.listenerCount('request') > 0 && p.resolveCalls.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    await waitFor(() => upstreamClosed, 2_000, 'the upstream connection to close');
    await waitFor(() => p.events.length === 1);
    assert.equal(p.events[0]!.outcome, 'client-closed');
  } finally {
    await p.close();
    await slow.close();
  }
});

test('one Date header: the upstream\'s', async () => {
  const res = await send(proxy.port, '/challenges/agent/date');
  assert.equal(res.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'date').length, 1);
});

test('a chunked body on any method stays framed upstream: no request smuggling', async () => {
  const smuggled = 'GET /internal/secrets HTTP/1.1\r\nHost: x\r\n\r\n';
  for (const method of ['GET', 'DELETE', 'OPTIONS', 'POST']) {
    upstream.requests.length = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: proxy.port,
        method,
        path: '/challenges/agent/items/1',
        headers: { 'transfer-encoding': 'chunked' },
        agent: false,
      });
      req.on('response', (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(smuggled);
      req.end();
    });
    assert.equal(status, 200, method);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(upstream.requests.map((r) => `${r.method} ${r.url}`), [`${method} /items/1`]);
    assert.equal(upstream.requests[0]!.body.toString(), smuggled);
  }
});

test('idle pooled upstream connections are closed after freeSocketTimeoutMs', async () => {
  const pooled = await startUpstream();
  let closed = 0;
  pooled.server.on('connection', (s) => s.once('close', () => closed++));
  const p = await startProxy({ pooled: pooled.origin }, { freeSocketTimeoutMs: 200 });
  try {
    assert.equal((await send(p.port, '/challenges/pooled/a')).status, 200);
    assert.equal((await send(p.port, '/challenges/pooled/b')).status, 200);
    assert.equal(new Set(pooled.requests.map((r) => r.remotePort)).size, 1, 'reused while fresh');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, 0);
    await waitFor(() => closed === 1, 2_000, 'the idle pooled connection to be closed');
  } finally {
    await p.close();
    await pooled.close();
  }
});

test('an upstream answering before reading the body: the client gets the answer and its connection stays usable', async () => {
  // Raw upstream: answers the first request of a connection at once, then stops reading (the upload backs up);
  // other connections get a plain 200.
  const sockets: import('node:net').Socket[] = [];
  let connections = 0;
  const early = net.createServer((s) => {
    sockets.push(s);
    const first = connections++ === 0;
    s.once('data', () => {
      if (first) {
        s.write('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 31\r\n\r\n{"detail":"signature required"}');
        s.pause();
      } else {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine');
        s.resume();
      }
    });
  });
  const port = await listen(early);
  const p = await startProxy({ early: `http://127.0.0.1:${port}` });
  const clientAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const body = Buffer.alloc(8 * 1024 * 1024, 0x63);
    const first = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: p.port, method: 'POST', path: '/challenges/early/upload', agent: clientAgent, headers: { 'content-length': body.length } });
      req.on('response', (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(first.status, 401);
    assert.equal(first.text, '{"detail":"signature required"}');
    // Same client connection (maxSockets 1): usable only once the rest of the upload was taken off it.
    const second = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: p.port, path: '/challenges/early/next', agent: clientAgent }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
      setTimeout(() => req.destroy(new Error('second request stalled behind the unread upload')), 3_000).unref();
    });
    assert.equal(second, 200);
  } finally {
    clientAgent.destroy();
    await p.close();
    for (const s of sockets) s.destroy();
    await closeServer(early);
  }
});
