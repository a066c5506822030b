import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProxy, startUpstream, waitFor } from './support.ts';

/** An SSE upstream that sends one event, then waits for `release()` before the second one and the end. */
async function startSseUpstream() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let secondSent = false;
  const upstream = await startUpstream();
  upstream.server.removeAllListeners('request');
  upstream.server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: progress\ndata: {"step":1}\n\n');
    void released.then(() => {
      secondSent = true;
      res.write('event: progress\ndata: {"step":2}\n\n');
      res.end();
    });
  });
  return { upstream, release, secondSent: () => secondSent };
}

test('text/event-stream arrives event by event, before the upstream finishes', async () => {
  const sse = await startSseUpstream();
  const proxy = await startProxy({ agent: sse.upstream.origin });
  try {
    const received: string[] = [];
    let ended = false;
    let status = 0;
    let contentType: string | undefined;
    const req = http.get({ host: '127.0.0.1', port: proxy.port, path: '/challenges/agent/events', agent: false }, (res) => {
      status = res.statusCode ?? 0;
      contentType = res.headers['content-type'];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => received.push(chunk));
      res.on('end', () => (ended = true));
    });
    req.on('error', () => {});

    await waitFor(() => received.join('').includes('"step":1'), 3_000, 'the first event at the client');
    assert.equal(status, 200);
    assert.equal(contentType, 'text/event-stream');
    assert.equal(sse.secondSent(), false, 'the first event must arrive while the upstream is still holding the second');
    assert.equal(ended, false);
    assert.ok(!received.join('').includes('"step":2'));

    sse.release();
    await waitFor(() => ended, 3_000, 'the end of the stream');
    assert.equal(received.join(''), 'event: progress\ndata: {"step":1}\n\nevent: progress\ndata: {"step":2}\n\n');
  } finally {
    await proxy.close();
    await sse.upstream.close();
  }
});

test('a quiet event stream is governed by the stream idle timeout, not the request idle timeout', async () => {
  const sse = await startSseUpstream();
  const proxy = await startProxy({ agent: sse.upstream.origin }, { idleTimeoutMs: 150, streamIdleTimeoutMs: 5_000 });
  try {
    let body = '';
    let ended = false;
    let failed = false;
    http
      .get({ host: '127.0.0.1', port: proxy.port, path: '/challenges/agent/events', agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (ended = true));
        res.on('error', () => (failed = true));
      })
      .on('error', () => (failed = true));
    await waitFor(() => body.includes('"step":1'), 3_000, 'first event');
    await new Promise((r) => setTimeout(r, 500)); // well past idleTimeoutMs
    assert.equal(failed, false);
    sse.release();
    await waitFor(() => ended, 3_000, 'the end of the stream');
    assert.ok(body.includes('"step":2'));
  } finally {
    await proxy.close();
    await sse.upstream.close();
  }
});
