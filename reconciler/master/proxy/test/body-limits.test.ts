import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { send, startProxy, startUpstream, waitFor } from './support.ts';

const LIMIT = 64 * 1024;

/** Counts TCP connections reaching the upstream: "413 before contacting upstream" means zero. */
function countConnections(server: http.Server): () => number {
  let n = 0;
  server.on('connection', () => n++);
  return () => n;
}

/** Sends a chunked body in `chunks` pieces of `size` bytes, pausing between writes; resolves with status or error. */
function sendChunked(port: number, path: string, chunks: number, size: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false });
    let settled = false;
    const settle = (v: { status?: number; body?: string; error?: string }): void => {
      if (!settled) {
        settled = true;
        resolve(v);
      }
    };
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => settle({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => settle({ status: res.statusCode ?? 0, error: e.message }));
    });
    req.on('error', (e) => settle({ error: e.message }));
    let i = 0;
    const writeNext = (): void => {
      if (req.destroyed) return;
      if (i++ >= chunks) {
        req.end();
        return;
      }
      req.write(Buffer.alloc(size, 0x61));
      setTimeout(writeNext, 2);
    };
    writeNext();
  });
}

test('Content-Length over the limit answers 413 without contacting the upstream', async () => {
  const upstream = await startUpstream();
  const connections = countConnections(upstream.server);
  const proxy = await startProxy({ agent: upstream.origin }, { maxBodyBytes: LIMIT });
  try {
    const res = await send(proxy.port, '/challenges/agent/upload', { method: 'POST', body: Buffer.alloc(LIMIT + 1, 0x62) });
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body), { detail: 'Request body too large' });
    assert.equal(connections(), 0);
    const atLimit = await send(proxy.port, '/challenges/agent/upload', { method: 'POST', body: Buffer.alloc(LIMIT, 0x62) });
    assert.equal(atLimit.status, 200);
    assert.equal(upstream.requests.at(-1)!.body.length, LIMIT);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('the default limit is 8 MiB', async () => {
  const upstream = await startUpstream();
  const connections = countConnections(upstream.server);
  const proxy = await startProxy({ agent: upstream.origin });
  try {
    const over = await send(proxy.port, '/challenges/agent/upload', { method: 'POST', body: Buffer.alloc(8 * 1024 * 1024 + 1) });
    assert.equal(over.status, 413);
    assert.equal(connections(), 0);
    const at = await send(proxy.port, '/challenges/agent/upload', { method: 'POST', body: Buffer.alloc(8 * 1024 * 1024) });
    assert.equal(at.status, 200);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('a streamed (chunked) body growing over the limit answers 413 and never completes upstream', async () => {
  const upstream = await startUpstream();
  const proxy = await startProxy({ agent: upstream.origin }, { maxBodyBytes: LIMIT });
  try {
    const res = await sendChunked(proxy.port, '/challenges/agent/stream', 40, 4096); // 160 KiB
    assert.equal(res.status, 413, JSON.stringify(res));
    assert.deepEqual(JSON.parse(res.body ?? ''), { detail: 'Request body too large' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(upstream.requests.length, 0, 'the upstream must not receive a complete request');
    const ok = await sendChunked(proxy.port, '/challenges/agent/stream', 16, 4096); // exactly 64 KiB
    assert.equal(ok.status, 200);
    assert.equal(upstream.requests.at(-1)!.body.length, LIMIT);
    await waitFor(() => proxy.events.some((e) => e.outcome === 'too-large' && e.status === 413));
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('a streamed body going over the limit after the response started aborts the connection', async () => {
  const upstream = await startUpstream();
  upstream.server.removeAllListeners('request');
  upstream.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('started ');
    req.resume(); // read the body but never finish the response
  });
  const proxy = await startProxy({ agent: upstream.origin }, { maxBodyBytes: LIMIT });
  try {
    const res = await sendChunked(proxy.port, '/challenges/agent/stream', 40, 4096);
    assert.equal(res.status, 200);
    assert.ok(res.error !== undefined, `the response must be aborted, got ${JSON.stringify(res)}`);
    await waitFor(() => proxy.events.some((e) => e.outcome === 'too-large'));
  } finally {
    await proxy.close();
    await upstream.close();
  }
});
