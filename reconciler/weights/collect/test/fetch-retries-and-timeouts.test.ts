import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fetchChallengeWeights } from '../fetch-weights.ts';
import { randomWeights, startChallengeServer, weightsHandler, type TestChallengeServer } from './challenge-server.ts';

const servers: TestChallengeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});
async function serve(handler: Parameters<typeof startChallengeServer>[0]): Promise<TestChallengeServer> {
  const server = await startChallengeServer(handler);
  servers.push(server);
  return server;
}
const fast = { minBackoffMs: 20, maxBackoffMs: 40 };

test('an attempt that gets no answer is cut at the timeout, and each attempt gets its own timeout', async () => {
  const server = await serve(() => new Promise<void>(() => {})); // never answers
  const started = performance.now();
  const result = await fetchChallengeWeights({ slug: 'slow', origin: server.origin, token: 't' }, { timeoutMs: 150, attempts: 2, ...fast });
  const elapsed = performance.now() - started;
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.match(result.reason, /^timed out after 150 ms \(2 attempts\)$/);
  assert.equal(server.requests.length, 2, 'a timeout is retried');
  assert.ok(elapsed >= 300 && elapsed < 1_000, `took ${elapsed.toFixed(0)} ms for two 150 ms attempts`);
});

test('a body that stalls half-way is cut at the timeout too', async () => {
  const server = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"challenge_slug": "stall", "weights": {');
  });
  const result = await fetchChallengeWeights({ slug: 'stall', origin: server.origin, token: 't' }, { timeoutMs: 150, attempts: 1 });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /timed out after 150 ms \(1 attempt\)/);
});

test('5xx twice, then 200: retried with backoff and the third answer is used', async () => {
  const weights = randomWeights(3);
  const good = weightsHandler('flaky', weights);
  const server = await serve((req, res, n) => {
    if (n <= 2) {
      res.statusCode = 503;
      return void res.end('busy');
    }
    return good(req, res, n);
  });
  const result = await fetchChallengeWeights({ slug: 'flaky', origin: server.origin, token: 't' }, fast);
  assert.equal(result.ok, true, result.ok ? '' : result.reason);
  if (!result.ok) return;
  assert.equal(result.attempts, 3);
  assert.equal(server.requests.length, 3);
  assert.deepEqual(Object.fromEntries(result.weights), weights);
});

test('a refused connection is retried, then reported with its error code', async () => {
  const server = await serve(() => {});
  const origin = server.origin;
  await server.close();
  const result = await fetchChallengeWeights({ slug: 'gone', origin, token: 't' }, fast);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.attempts, 3);
  assert.match(result.reason, /cannot reach http:\/\/127\.0\.0\.1:\d+\/internal\/v1\/get_weights: ECONNREFUSED/);
});

test('401 is not retried; the reason names the status and never the token', async () => {
  const server = await serve(weightsHandler('locked', randomWeights(2), { token: 'right-token' }));
  const result = await fetchChallengeWeights({ slug: 'locked', origin: server.origin, token: 'wrong-token-value' }, fast);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(server.requests.length, 1, 'a 401 is final');
  assert.equal(result.status, 401);
  assert.match(result.reason, /answered HTTP 401 Unauthorized, expected 200 \(1 attempt\)/);
  assert.ok(!result.reason.includes('wrong-token-value'));
});

test('404 is not retried; 429 and 408 are', async () => {
  const notFound = await serve((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const r404 = await fetchChallengeWeights({ slug: 'x', origin: notFound.origin, token: 't' }, fast);
  assert.equal(r404.ok, false);
  assert.equal(notFound.requests.length, 1);

  for (const status of [429, 408]) {
    const limited = await serve((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    const result = await fetchChallengeWeights({ slug: 'x', origin: limited.origin, token: 't' }, fast);
    assert.equal(result.ok, false);
    assert.equal(limited.requests.length, 3, `${status} is retried`);
  }
});

test('a redirect is not followed (the bearer token stays with the challenge)', async () => {
  const target = await serve(weightsHandler('moved', randomWeights(1)));
  const server = await serve((_req, res) => {
    res.writeHead(302, { location: `${target.origin}/internal/v1/get_weights` });
    res.end();
  });
  const result = await fetchChallengeWeights({ slug: 'moved', origin: server.origin, token: 't' }, fast);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /HTTP 302/);
  assert.equal(target.requests.length, 0);
});
