import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send, startProxy, startUpstream } from './support.ts';
import type { RecordingUpstream, RunningProxy } from './support.ts';

/** The upstream answers according to the last path segment. */
function behaviour(req: IncomingMessage, res: ServerResponse): void {
  const what = (req.url ?? '').split('?')[0]!.split('/').pop();
  switch (what) {
    case 'redirect':
      res.writeHead(302, { location: 'http://elsewhere.invalid/target', 'content-length': 0 });
      res.end();
      return;
    case 'moved':
      res.writeHead(301, { location: '/challenges/agent/new-place', 'content-type': 'text/plain' });
      res.end('moved');
      return;
    case 'teapot':
      res.writeHead(418, 'I am a teapot', { 'content-type': 'application/problem+json', 'x-reason': 'tea' });
      res.end('{"detail":"short and stout"}');
      return;
    case 'error':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream exploded');
      return;
    case 'unavailable':
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'application/json' });
      res.end('{"detail":"busy"}');
      return;
    case 'cookies':
      res.setHeader('Set-Cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
      res.setHeader('Keep-Alive', 'timeout=99');
      res.setHeader('Connection', 'keep-alive, X-Secret-Hop');
      res.setHeader('X-Secret-Hop', 'hop');
      res.setHeader('Proxy-Authenticate', 'Basic');
      res.setHeader('X-Custom', 'kept');
      res.end('cookies');
      return;
    case 'chunked': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 50; i++) res.write(`line ${i}\n`);
      res.end();
      return;
    }
    case 'empty':
      res.writeHead(204);
      res.end();
      return;
    default:
      res.end('ok');
  }
}

let upstream: RecordingUpstream;
let proxy: RunningProxy;

before(async () => {
  upstream = await startUpstream(behaviour);
  proxy = await startProxy({ agent: upstream.origin });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});

test('redirects are passed through, not followed', async () => {
  const before = upstream.requests.length;
  const res = await send(proxy.port, '/challenges/agent/redirect');
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, 'http://elsewhere.invalid/target');
  const moved = await send(proxy.port, '/challenges/agent/moved');
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.location, '/challenges/agent/new-place');
  assert.equal(moved.body, 'moved');
  assert.equal(upstream.requests.length, before + 2, 'the proxy must not issue a follow-up request');
});

test('non-2xx statuses, reason phrases, headers and bodies pass through', async () => {
  const teapot = await send(proxy.port, '/challenges/agent/teapot');
  assert.equal(teapot.status, 418);
  assert.equal(teapot.statusMessage, 'I am a teapot');
  assert.equal(teapot.headers['content-type'], 'application/problem+json');
  assert.equal(teapot.headers['x-reason'], 'tea');
  assert.equal(teapot.body, '{"detail":"short and stout"}');
  const err = await send(proxy.port, '/challenges/agent/error');
  assert.equal(err.status, 500);
  assert.equal(err.body, 'upstream exploded');
  const busy = await send(proxy.port, '/challenges/agent/unavailable');
  assert.equal(busy.status, 503);
  assert.equal(busy.headers['retry-after'], '7');
  assert.equal(busy.body, '{"detail":"busy"}');
  const empty = await send(proxy.port, '/challenges/agent/empty');
  assert.equal(empty.status, 204);
  assert.equal(empty.body, '');
});

test('response hop-by-hop headers are dropped, Set-Cookie lines all kept', async () => {
  const res = await send(proxy.port, '/challenges/agent/cookies');
  assert.equal(res.status, 200);
  assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
  assert.equal(res.headers['x-custom'], 'kept');
  assert.equal(res.headers['x-secret-hop'], undefined);
  assert.equal(res.headers['proxy-authenticate'], undefined);
  assert.notEqual(res.headers['keep-alive'], 'timeout=99');
  assert.equal(res.body, 'cookies');
});

test('a chunked upstream body arrives whole', async () => {
  const res = await send(proxy.port, '/challenges/agent/chunked');
  assert.equal(res.status, 200);
  assert.equal(res.body, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
});

test('HEAD is forwarded as HEAD', async () => {
  const res = await send(proxy.port, '/challenges/agent/plain', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(upstream.requests.at(-1)!.method, 'HEAD');
});
