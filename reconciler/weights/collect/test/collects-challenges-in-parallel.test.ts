import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { collectWeights } from '../collect.ts';
import { randomWeights, startChallengeServer, weightsHandler, type TestChallengeServer } from './challenge-server.ts';

const servers: TestChallengeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

test('eight challenges answering in 300 ms each are collected in about 300 ms, far from the 2.4 s of asking them in turn', async () => {
  const count = 8;
  const delayMs = 300;
  const origins = new Map<string, string>();
  const expected = new Map<string, Record<string, number>>();
  for (let i = 0; i < count; i++) {
    const slug = `c${i}`;
    const weights = randomWeights(5);
    expected.set(slug, weights);
    const server = await startChallengeServer(weightsHandler(slug, weights, { delayMs, token: `token-${slug}` }));
    servers.push(server);
    origins.set(slug, server.origin);
  }
  const challenges = [...origins.keys()].map((slug) => ({ slug, port: 8000 }));
  // The first fetch() in a process loads undici (about 200 ms): a one-time cost, not collection time.
  await (await fetch(`${origins.get('c0')}/warm-up`)).text();
  const started = performance.now();
  const results = await collectWeights(challenges, {
    tokens: async (slug) => `token-${slug}`,
    originFor: ({ slug }) => origins.get(slug)!,
  });
  const elapsed = performance.now() - started;

  assert.deepEqual(results.map((r) => r.slug), challenges.map((c) => c.slug), 'results keep the input order');
  for (const result of results) {
    assert.ok(result.ok, result.ok ? '' : result.reason);
    assert.deepEqual(Object.fromEntries(result.weights), expected.get(result.slug));
    assert.equal(result.attempts, 1);
  }
  assert.ok(elapsed >= delayMs, `took ${elapsed.toFixed(0)} ms`);
  // Sequential collection costs at least count × delay (2.4 s); the bound leaves room for a loaded CI machine.
  assert.ok(elapsed < delayMs * 3, `took ${elapsed.toFixed(0)} ms for ${count} challenges of ${delayMs} ms each: not parallel`);
});

test('each request carries that challenge\'s bearer token and slug header; a missing token fails only that challenge', async () => {
  const a = await startChallengeServer(weightsHandler('alpha', randomWeights(2), { token: 'secret-alpha' }));
  const b = await startChallengeServer(weightsHandler('beta', randomWeights(2)));
  servers.push(a, b);
  const origins: Record<string, string> = { alpha: a.origin, beta: b.origin };
  const results = await collectWeights(
    [
      { slug: 'alpha', port: 1 },
      { slug: 'beta', port: 1 },
    ],
    { tokens: async (slug) => (slug === 'alpha' ? 'secret-alpha' : null), originFor: ({ slug }) => origins[slug]! },
  );
  assert.equal(results[0]?.ok, true);
  assert.deepEqual(a.requests, [{ path: '/internal/v1/get_weights', authorization: 'Bearer secret-alpha', slug: 'alpha' }]);
  assert.equal(results[1]?.ok, false);
  assert.match(results[1]!.ok ? '' : results[1]!.reason, /no token for challenge beta/);
  assert.equal(b.requests.length, 0, 'no request without a token');
});
