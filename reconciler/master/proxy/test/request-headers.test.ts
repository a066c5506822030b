import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutes } from '../index.ts';
import { send, startProxy, startUpstream } from './support.ts';
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

const SIGNATURE = ['X-Hotkey', '5Grw', 'X-Signature', '0xabc', 'X-Nonce', 'n-1', 'X-Timestamp', '1700000000'];
const SENSITIVE = [
  'Authorization', 'Bearer secret-token',
  'Proxy-Authorization', 'Basic cHJveHk=',
  'X-Admin-Token', 'admin-secret',
  'X-Base-Proxy', 'false',
  'X-Base-Challenge-Slug', 'forged',
  'X-Base-Validator', 'forged-identity',
  'X-BASE-Anything', 'x',
];
const HOP_BY_HOP = [
  'Connection', 'keep-alive, X-Drop-Me',
  'X-Drop-Me', 'listed in Connection',
  'Keep-Alive', 'timeout=5',
  'Proxy-Connection', 'keep-alive',
  'TE', 'trailers',
  'Upgrade', 'websocket',
];
const ORDINARY = [
  'Cookie', 'session=abc; theme=dark',
  'Content-Type', 'application/json',
  'Accept', 'application/json',
  'User-Agent', 'miner/1.0',
  'X-Request-Id', 'rid-1',
  'X-Forwarded-Host', 'example.org',
];

function names(rawHeaders: string[]): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
}

async function through(method: string, path: string): Promise<import('./support.ts').RecordedRequest> {
  const before = upstream.requests.length;
  const res = await send(proxy.port, path, {
    method,
    headers: [...SIGNATURE, ...SENSITIVE, ...HOP_BY_HOP, ...ORDINARY, 'X-Forwarded-For', '203.0.113.7', 'X-Forwarded-Proto', 'https', 'Content-Length', method === 'GET' ? '0' : '2'],
    body: method === 'GET' ? undefined : '{}',
  });
  assert.equal(res.status, 200, `${method} ${path}`);
  assert.equal(upstream.requests.length, before + 1);
  return upstream.requests.at(-1)!;
}

test('credentials, x-base-*, hop-by-hop and signature headers are dropped; proxy headers added', async () => {
  const seen = await through('GET', '/challenges/agent/leaderboard');
  const got = names(seen.rawHeaders);
  for (const dropped of [
    'authorization', 'proxy-authorization', 'x-admin-token', 'x-base-validator', 'x-base-anything',
    'keep-alive', 'proxy-connection', 'te', 'upgrade', 'x-drop-me', 'transfer-encoding',
    'x-hotkey', 'x-signature', 'x-nonce', 'x-timestamp',
  ]) {
    assert.ok(!got.includes(dropped), `${dropped} must not reach the upstream`);
  }
  assert.notEqual(seen.headers.connection, 'keep-alive, X-Drop-Me');
  // exactly one of each asserted header, with the proxy's value
  assert.equal(got.filter((n) => n === 'x-base-proxy').length, 1);
  assert.equal(got.filter((n) => n === 'x-base-challenge-slug').length, 1);
  assert.equal(got.filter((n) => n === 'host').length, 1);
  assert.equal(seen.headers['x-base-proxy'], 'true');
  assert.equal(seen.headers['x-base-challenge-slug'], 'agent');
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers.host, `127.0.0.1:${upstream.port}`);
  // everything else, cookies included, is forwarded untouched
  assert.equal(seen.headers.cookie, 'session=abc; theme=dark');
  assert.equal(seen.headers['content-type'], 'application/json');
  assert.equal(seen.headers.accept, 'application/json');
  assert.equal(seen.headers['user-agent'], 'miner/1.0');
  assert.equal(seen.headers['x-request-id'], 'rid-1');
  assert.equal(seen.headers['x-forwarded-host'], 'example.org');
});

test('on a route the target declares signed exactly the four signature headers are kept, every other rule still holds', async () => {
  const signed = await startProxy({ agent: { origin: upstream.origin, signedRoutes: compileRoutes([{ methods: ['POST'], path: '/submissions/{id}' }]) } });
  try {
    for (const [method, path, kept] of [
      ['POST', '/challenges/agent/submissions/42', true],
      ['POST', '/challenges/agent/submissions/42/', true],
      ['GET', '/challenges/agent/submissions/42', false],
      ['POST', '/challenges/agent/submissions', false],
    ] as const) {
      const before = upstream.requests.length;
      await send(signed.port, path, { method, headers: [...SIGNATURE, ...SENSITIVE, ...HOP_BY_HOP, 'Content-Length', '0'] });
      assert.equal(upstream.requests.length, before + 1);
      const seen = upstream.requests.at(-1)!;
      assert.equal(seen.headers['x-hotkey'], kept ? '5Grw' : undefined, `${method} ${path}`);
      assert.equal(seen.headers['x-signature'], kept ? '0xabc' : undefined);
      assert.equal(seen.headers['x-nonce'], kept ? 'n-1' : undefined);
      assert.equal(seen.headers['x-timestamp'], kept ? '1700000000' : undefined);
      const got = names(seen.rawHeaders);
      for (const dropped of ['authorization', 'proxy-authorization', 'x-admin-token', 'x-base-validator', 'keep-alive', 'x-drop-me']) {
        assert.ok(!got.includes(dropped), `${dropped} must not reach ${method} ${path}`);
      }
      assert.equal(seen.headers['x-base-challenge-slug'], 'agent');
    }
  } finally {
    await signed.close();
  }
});

test('several Cookie lines are all forwarded', async () => {
  await send(proxy.port, '/challenges/agent/c', { headers: ['Cookie', 'a=1', 'Cookie', 'b=2'] });
  const seen = upstream.requests.at(-1)!;
  const cookies = seen.rawHeaders.filter((_, i) => i % 2 === 1 && seen.rawHeaders[i - 1]!.toLowerCase() === 'cookie');
  assert.deepEqual(cookies, ['a=1', 'b=2']);
});

test('header rules as a pure function: every hop-by-hop header and Connection-listed names are dropped', async () => {
  const { upstreamRequestHeaders, clientResponseHeaders } = await import('../headers.ts');
  const out = upstreamRequestHeaders({
    rawHeaders: [
      'Host', 'public.example', 'Connection', 'close, X-Listed', 'connection', 'x-listed-2', 'X-Listed', '1', 'X-Listed-2', '2',
      'Keep-Alive', '5', 'TE', 'trailers', 'Trailer', 'X-T', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c',
      'Proxy-Connection', 'x', 'HTTP2-Settings', 'x', 'Expect', '100-continue', 'X-Forwarded-For', '10.0.0.1',
      'x-forwarded-for', '10.0.0.2', 'X-Forwarded-Proto', 'https', 'X-Keep', 'yes',
    ],
    upstreamHost: 'challenge-agent:8000',
    slug: 'agent',
    clientAddress: '192.0.2.9',
    forwardedProto: 'http',
    keepSignatureHeaders: false,
  });
  assert.deepEqual(out, [
    'Host', 'challenge-agent:8000',
    'X-Keep', 'yes',
    'X-Forwarded-For', '10.0.0.1, 10.0.0.2, 192.0.2.9',
    'X-Forwarded-Proto', 'http',
    'X-Base-Proxy', 'true',
    'X-Base-Challenge-Slug', 'agent',
  ]);
  assert.deepEqual(
    clientResponseHeaders(['Connection', 'X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Trailer', 'X', 'Set-Cookie', 'a', 'Set-Cookie', 'b']),
    ['Set-Cookie', 'a', 'Set-Cookie', 'b'],
  );
});

test('X-Forwarded-Proto follows the forwardedProto option (TLS terminated in front of the master)', async () => {
  const p = await startProxy({ agent: upstream.origin }, { forwardedProto: 'https' });
  try {
    await send(p.port, '/challenges/agent/p', { headers: { 'x-forwarded-proto': 'gopher' } });
    assert.equal(upstream.requests.at(-1)!.headers['x-forwarded-proto'], 'https');
  } finally {
    await p.close();
  }
});
