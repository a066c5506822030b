import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { closeServer, listen, send, startProxy, startUpstream, waitFor } from './support.ts';
import type { SimpleResponse } from './support.ts';

function assertSafe502(res: SimpleResponse, secrets: string[]): void {
  assert.equal(res.status, 502);
  assert.equal(res.body, '{"detail":"Challenge unavailable"}');
  const allHeaders = res.rawHeaders.join('\n');
  for (const s of secrets) {
    assert.ok(!res.body.includes(s) && !allHeaders.includes(s), `502 must not reveal ${s}`);
  }
  const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()).sort();
  assert.deepEqual(
    names.filter((n) => !['date', 'connection', 'keep-alive'].includes(n)),
    ['cache-control', 'content-length', 'content-type'],
  );
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await closeServer(s);
  return port;
}

/** A response that must be cut: resolves with the status seen and whether the body ended in an error. */
function fetchExpectingAbort(port: number, path: string): Promise<{ status: number; aborted: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, aborted: false, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, aborted: true, body }));
    });
    req.on('error', reject);
  });
}

test('connection refused → safe 502', async () => {
  const port = await freePort();
  const proxy = await startProxy({ agent: `http://127.0.0.1:${port}` });
  try {
    const res = await send(proxy.port, '/challenges/agent/x', { headers: { authorization: 'Bearer tok-123', 'x-admin-token': 'adm-456' } });
    assertSafe502(res, [String(port), '127.0.0.1', 'ECONNREFUSED', 'tok-123', 'adm-456', 'Error', 'at ']);
    await waitFor(() => proxy.events.length === 1);
    assert.equal(proxy.events[0]!.outcome, 'unavailable');
    assert.equal(proxy.events[0]!.failure, 'ECONNREFUSED');
  } finally {
    await proxy.close();
  }
});

test('unresolvable upstream hostname → safe 502', async () => {
  const proxy = await startProxy({ agent: 'http://challenge-nonexistent.invalid:1' }, { connectTimeoutMs: 3_000 });
  try {
    const res = await send(proxy.port, '/challenges/agent/x');
    assertSafe502(res, ['challenge-nonexistent', '.invalid', 'ENOTFOUND', 'EAI_AGAIN']);
  } finally {
    await proxy.close();
  }
});

test('connect timeout (the upstream never completes the handshake) → safe 502', async (t) => {
  // A listener with a full accept queue that never accepts: further SYNs are dropped, connect() hangs.
  const child = spawn('python3', [
    '-c',
    'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)',
  ]);
  const fillers: net.Socket[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
    });
    // Fill the accept queue; stop once a connection attempt hangs.
    let hanging = false;
    for (let i = 0; i < 8 && !hanging; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
      hanging = await new Promise<boolean>((r) => {
        const timer = setTimeout(() => r(true), 300);
        s.once('connect', () => {
          clearTimeout(timer);
          r(false);
        });
      });
    }
    if (!hanging) {
      t.skip('this kernel accepted every connection; cannot produce a hanging connect');
      return;
    }
    const proxy = await startProxy({ agent: `http://127.0.0.1:${port}` }, { connectTimeoutMs: 300, idleTimeoutMs: 30_000 });
    try {
      const started = Date.now();
      const res = await send(proxy.port, '/challenges/agent/x');
      assertSafe502(res, [String(port)]);
      assert.ok(Date.now() - started < 5_000);
      await waitFor(() => proxy.events.length === 1);
      assert.equal(proxy.events[0]!.failure, 'connect-timeout');
    } finally {
      await proxy.close();
    }
  } finally {
    for (const s of fillers) s.destroy();
    child.kill('SIGKILL');
  }
});

test('idle timeout (the upstream accepts and never answers) → safe 502', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => {
    sockets.push(s);
    s.resume();
  });
  const port = await listen(silent);
  const proxy = await startProxy({ agent: `http://127.0.0.1:${port}` }, { idleTimeoutMs: 300 });
  try {
    const started = Date.now();
    const res = await send(proxy.port, '/challenges/agent/x');
    assertSafe502(res, [String(port)]);
    assert.ok(Date.now() - started >= 250, 'must wait for the idle timeout');
    await waitFor(() => proxy.events.length === 1);
    assert.equal(proxy.events[0]!.failure, 'idle-timeout');
  } finally {
    await proxy.close();
    for (const s of sockets) s.destroy();
    await closeServer(silent);
  }
});

test('reset before a response → safe 502', async () => {
  const resetting = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
  const port = await listen(resetting);
  const proxy = await startProxy({ agent: `http://127.0.0.1:${port}` });
  try {
    const res = await send(proxy.port, '/challenges/agent/x');
    assertSafe502(res, [String(port), 'ECONNRESET']);
    const post = await send(proxy.port, '/challenges/agent/x', { method: 'POST', body: 'payload' });
    assertSafe502(post, [String(port)]);
  } finally {
    await proxy.close();
    await closeServer(resetting);
  }
});

test('a connection dropped before any response byte: an idempotent body-less request is retried once, nothing else is replayed', async () => {
  // Resets the connection on every request whose line is in `drop`, and on the first arrival of one in
  // `dropFirst` (each arrival recorded); answers the others.
  const arrivals: string[] = [];
  let drop = new Set<string>();
  const dropFirst = new Set<string>(['GET /flaky']);
  const upstream = net.createServer((s) => {
    s.on('data', (d: Buffer) => {
      const [method, target] = d.toString('latin1').split(' ', 2);
      const line = `${method} ${target}`;
      arrivals.push(line);
      const firstArrival = arrivals.filter((a) => a === line).length === 1;
      if (drop.has(line) || (dropFirst.has(line) && firstArrival)) s.resetAndDestroy();
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
    });
  });
  const port = await listen(upstream);
  const proxy = await startProxy({ agent: `http://127.0.0.1:${port}` });
  const attempts = (line: string) => arrivals.filter((a) => a === line).length;
  try {
    // Dropped once (a stale pooled connection), then answered: the client never notices.
    const flaky = await send(proxy.port, '/challenges/agent/flaky');
    assert.equal(flaky.status, 200, 'GET retried on a new attempt');
    assert.equal(attempts('GET /flaky'), 2);

    // Always dropped: exactly one retry, then the safe 502.
    drop = new Set(['GET /dead', 'DELETE /dead', 'POST /dead', 'PUT /dead']);
    assertSafe502(await send(proxy.port, '/challenges/agent/dead'), [String(port)]);
    assert.equal(attempts('GET /dead'), 2, 'one retry, not more');
    assertSafe502(await send(proxy.port, '/challenges/agent/dead', { method: 'DELETE' }), [String(port)]);
    assert.equal(attempts('DELETE /dead'), 2, 'DELETE is idempotent: one retry');

    // Never replayed: a request with a body (any method), or a non-idempotent method even without a body.
    assertSafe502(await send(proxy.port, '/challenges/agent/dead', { method: 'PUT', body: 'x' }), [String(port)]);
    assert.equal(attempts('PUT /dead'), 1, 'a request with a body is not replayed');
    assertSafe502(await send(proxy.port, '/challenges/agent/dead', { method: 'POST' }), [String(port)]);
    assert.equal(attempts('POST /dead'), 1, 'POST is not replayed');
  } finally {
    await proxy.close();
    await closeServer(upstream);
  }
});

test('a failure after the response started aborts the client connection', async () => {
  const upstream = net.createServer((s) =>
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => s.resetAndDestroy(), 50);
    }),
  );
  const port = await listen(upstream);
  const proxy = await startProxy({ agent: `http://127.0.0.1:${port}` });
  try {
    const res = await fetchExpectingAbort(proxy.port, '/challenges/agent/x');
    assert.equal(res.status, 200);
    assert.equal(res.aborted, true);
    assert.equal(res.body, 'partial');
    await waitFor(() => proxy.events.length === 1);
    assert.equal(proxy.events[0]!.outcome, 'aborted');
  } finally {
    await proxy.close();
    await closeServer(upstream);
  }
});

test('an upstream stalling mid-response hits the idle timeout and the client connection is aborted', async () => {
  const stalled = await startUpstream();
  stalled.server.removeAllListeners('request');
  stalled.server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first bytes');
  });
  const proxy = await startProxy({ agent: stalled.origin }, { idleTimeoutMs: 300 });
  try {
    const res = await fetchExpectingAbort(proxy.port, '/challenges/agent/x');
    assert.equal(res.status, 200);
    assert.equal(res.aborted, true);
    assert.equal(res.body, 'first bytes');
    await waitFor(() => proxy.events.length === 1);
    assert.equal(proxy.events[0]!.failure, 'idle-timeout');
  } finally {
    await proxy.close();
    await stalled.close();
  }
});

test('a resolver that throws, or an unusable origin, is a safe 502 too', async () => {
  const { createProxyHandler } = await import('../index.ts');
  for (const resolve of [
    (): never => {
      throw new Error('registry exploded at 10.0.0.7 with token t0k');
    },
    () => ({ origin: 'https://challenge-agent:8443' }),
    () => ({ origin: 'not a url' }),
    () => ({ origin: 'http://user:pw@challenge-agent:8000' }),
  ]) {
    const handler = createProxyHandler({ resolver: { resolve } });
    const server = http.createServer(handler);
    const port = await listen(server);
    try {
      const res = await send(port, '/challenges/agent/x');
      assertSafe502(res, ['10.0.0.7', 't0k', 'challenge-agent', 'exploded', 'pw']);
    } finally {
      handler.close();
      await closeServer(server);
    }
  }
});
