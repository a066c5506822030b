import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyProxyPath } from '../classify-path.ts';

const wire = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

const BLOCKED: string[] = [
  // the rules, plain
  '/challenges/a/health',
  '/challenges/a/version',
  '/challenges/a/internal',
  '/challenges/a/internal/x/y',
  '/challenges/a/benchmark-executions',
  '/challenges/a/benchmark-executions/42/logs',
  '/challenges/a/benchmark/run',
  '/challenges/a/benchmarks/run',
  '/challenges/a/benchmark/x/execute',
  '/challenges/a/benchmarks/x/y/launch',
  // trailing slashes and dots, doubled slashes, case
  '/challenges/a/health/',
  '/challenges/a/health//',
  '/challenges/a//health',
  '/challenges/a/HEALTH',
  '/challenges/a/Version/',
  '/challenges/a/health.',
  '/challenges/a/health..',
  '/challenges/a/health%20',
  '/challenges/a/InTeRnAl',
  '/challenges/a/benchmarks/x/RUN/',
  '/challenges/a/Benchmark/x/Launch.',
  // percent encoding, double and triple encoding
  '/challenges/a/%68ealth',
  '/challenges/a/%2568ealth',
  '/challenges/a/%252568ealth',
  '/challenges/a/%69nternal/x',
  '/challenges/a/internal%2Fx',
  '/challenges/a/x%2F..%2Finternal',
  '/challenges/a/x%252F..%252Finternal',
  '/challenges/a/x/%2e%2e/internal',
  '/challenges/a/x/%2E%2E/health',
  '/challenges/a/x/%252e%252e/health',
  '/challenges/a/benchmarks%2Frun',
  // dot segments
  '/challenges/a/x/../health',
  '/challenges/a/./health',
  '/challenges/a/x/y/../../internal',
  '/challenges/a/x/./../version',
  '/challenges/a/benchmarks/x/./run/.',
  // backslashes, path parameters
  '/challenges/a\\internal',
  '/challenges/a/x\\..\\health',
  '/challenges/a/x%5C..%5Chealth',
  '/challenges/a/internal;jsessionid=1',
  '/challenges/a/health;x',
  '/challenges/a/x/..;/internal',
  '/challenges/a/health%3Fx=1',
  '/challenges/a/health%23frag',
  '/challenges/a/health#frag',
  '/challenges/a/x/..%3F/version',
  '/challenges/a/benchmarks/1/run%3F',
  '/challenges/a/;x/internal',
  // escaping the slug prefix
  '/challenges/a/..',
  '/challenges/a/../b/x',
  '/challenges/a/%2e%2e/b/x',
  '/challenges/a%2F..%2Fb/x',
  '/challenges/a/x/../../b/x',
  '/challenges/../x',
  '/challenges/./a',
  '/%63hallenges/a/internal',
  '/CHALLENGES/a/Health',
  // unicode look-alikes, raw on the wire and percent-encoded
  wire('/challenges/a/\uff49\uff4e\uff54\uff45\uff52\uff4e\uff41\uff4c'),
  '/challenges/a/%EF%BD%88ealth',
  wire('/challenges/a/x\uff0f\uff0e\uff0e\uff0finternal'),
  wire('/challenges/a/x/\uff0e\uff0e/health'),
  wire('/challenges/a/x/\u2025/health'),
  wire('/challenges/a/x\u2215..\u2215health'),
  wire('/challenges/a/x\ufe68..\ufe68health'),
  wire('/challenges/a/\u0131nternal'),
  wire('/challenges/a/inte\u200brnal'),
  wire('/challenges/a/\u212aeep/../health'),
  // NFKC or removing zero-width characters forms a new escape: decoding continues
  '/challenges/a/be%6%ef%bd%85chmarks/run',
  '/challenges/a/benchmarks/r%%E2%80%8B75n',
  '/challenges/a/x%5%EF%BC%A3..%5%EF%BC%A3health',
  // direct (non-wire) unicode strings are understood too
  '/challenges/a/\uff48\uff45\uff41\uff4c\uff54\uff48',
];

test('blocked paths are classified as blocked, whatever their spelling', () => {
  for (const path of BLOCKED) {
    assert.deepEqual(classifyProxyPath(path), { kind: 'blocked' }, `expected blocked: ${JSON.stringify(path)}`);
    assert.deepEqual(classifyProxyPath(path + '?x=1'), { kind: 'blocked' }, `expected blocked with query: ${path}`);
  }
});

test('undecodable or control-character paths are malformed', () => {
  for (const path of [
    '/challenges/a/%c0%ae%c0%ae/health', // overlong UTF-8 dots
    '/challenges/a/%ff',
    '/challenges/a/%25ff',
    '/challenges/a/health%00',
    '/challenges/a/%2500',
    '/challenges/a/x%0a',
    '/challenges/a/\u0000',
    '/challenges/a/\u00e9', // a lone latin1 byte 0xE9 from the wire is not UTF-8
  ]) {
    assert.deepEqual(classifyProxyPath(path), { kind: 'malformed' }, `expected malformed: ${JSON.stringify(path)}`);
  }
});

test('legitimate paths are forwarded in canonical form with the query untouched', () => {
  const cases: Array<[string, string, string, string]> = [
    // raw target, slug, forwarded path, forwarded query
    ['/challenges/agent', 'agent', '/', ''],
    ['/challenges/agent/', 'agent', '/', ''],
    ['/challenges/agent/submissions', 'agent', '/submissions', ''],
    ['/challenges/agent/submissions/', 'agent', '/submissions/', ''],
    ['/challenges/agent//x///y?b=%2F&a=1', 'agent', '/x/y', '?b=%2F&a=1'],
    ['/challenges/agent/x/./y/../z', 'agent', '/x/z', ''],
    ['/challenges/agent/health/details', 'agent', '/health/details', ''],
    ['/challenges/agent/v1/version', 'agent', '/v1/version', ''],
    ['/challenges/agent/x/internal', 'agent', '/x/internal', ''],
    ['/challenges/agent/benchmarks', 'agent', '/benchmarks', ''],
    ['/challenges/agent/benchmarks/42', 'agent', '/benchmarks/42', ''],
    ['/challenges/agent/benchmarks/run/status', 'agent', '/benchmarks/run/status', ''],
    ['/challenges/agent/runs/run', 'agent', '/runs/run', ''],
    ['/challenges/agent/.internal', 'agent', '/.internal', ''],
    ['/challenges/agent/a%20b', 'agent', '/a%20b', ''],
    ['/challenges/agent/a%2Fb', 'agent', '/a/b', ''],
    ['/challenges/agent/100%', 'agent', '/100%25', ''],
    ['/challenges/agent/a%3Fb%23c', 'agent', '/a%3Fb%23c', ''],
    [wire('/challenges/agent/caf\u00e9'), 'agent', '/caf%C3%A9', ''],
    ['/challenges/agent/k;v=1', 'agent', '/k;v=1', ''],
    ['/Challenges/agent/x', 'agent', '/x', ''],
    ['/%63hallenges/agent/x', 'agent', '/x', ''],
  ];
  for (const [raw, slug, path, query] of cases) {
    const got = classifyProxyPath(raw);
    assert.equal(got.kind, 'forward', `expected forward: ${JSON.stringify(raw)} got ${JSON.stringify(got)}`);
    if (got.kind !== 'forward') continue;
    assert.equal(got.slug, slug, raw);
    assert.equal(got.path, path, raw);
    assert.equal(got.query, query, raw);
  }
});

test('segments are the decoded canonical sub-path', () => {
  const got = classifyProxyPath('/challenges/agent/submissions/%61bc/./env/');
  assert.equal(got.kind, 'forward');
  if (got.kind === 'forward') assert.deepEqual(got.segments, ['submissions', 'abc', 'env']);
});

test('paths outside /challenges/{slug} are not proxy paths', () => {
  for (const path of ['/', '/health', '/challenges', '/challenges/', '/challengesx/a', '/v1/registry', '*', 'http://x/challenges/a']) {
    assert.deepEqual(classifyProxyPath(path), { kind: 'not-proxy' }, path);
  }
});

test('a slug that cannot exist is reported without lookup', () => {
  for (const path of ['/challenges/Agent/x', '/challenges/-a/x', '/challenges/a_b', `/challenges/${'a'.repeat(49)}`]) {
    assert.deepEqual(classifyProxyPath(path), { kind: 'unknown-challenge' }, path);
  }
});
