import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredState } from '../index.ts';
import { assertReports, type MalformedCase } from './assert-problem.ts';
import { ALPHA, DIGEST, HEADER, PRODUCTION_HEADER, withChallenges } from './documents.ts';

const BETA = ALPHA.replace('slug: alpha', 'slug: beta').replace('alpha:1.0.0', 'beta:1.0.0'); // lines 18-22
const withEnv = (lines: string): string => withChallenges(`${ALPHA}    env:\n${lines}`); // env entries from line 19
const withResources = (lines: string): string => withChallenges(`${ALPHA}    resources:\n${lines}`); // from line 19
const PINNED = ALPHA.replace('alpha:1.0.0', `alpha:1.0.0@${DIGEST}`);

const cases: MalformedCase[] = [
  {
    name: 'slug with capitals and underscore',
    text: withChallenges(ALPHA.replace('slug: alpha', 'slug: Alpha_1')),
    line: 13,
    column: 11,
    message: `challenges[0].slug: found "Alpha_1", expected a slug of lower-case letters, digits and '-', starting and ending with a letter or digit (at least 2 characters)`,
    rule: 'slug-format',
  },
  {
    name: 'slug ending in a dash',
    text: withChallenges(ALPHA.replace('slug: alpha', 'slug: alpha-')),
    line: 13,
    column: 11,
    message: `challenges[0].slug: found "alpha-", expected a slug of lower-case letters`,
    contains: true,
    rule: 'slug-format',
  },
  {
    name: 'slug longer than 48 characters',
    text: withChallenges(ALPHA.replace('slug: alpha', `slug: ${'a'.repeat(49)}`)),
    line: 13,
    column: 11,
    message: 'challenges[0].slug: found a slug of 49 characters, expected at most 48',
    rule: 'slug-format',
  },
  {
    name: 'duplicate slug points at the second challenge',
    text: withChallenges(ALPHA + ALPHA),
    line: 18,
    column: 11,
    message: 'challenges[1].slug: found the slug "alpha" again (first at challenges[0]); expected each slug once',
    rule: 'unique-slug',
  },
  {
    name: 'duplicate worker hostname (case-insensitive)',
    text: withChallenges(ALPHA, `${HEADER}workers:\n  - hostname: node-1\n    workload: cpu\n  - hostname: NODE-1\n    workload: gpu\n`),
    line: 15,
    column: 15,
    message: 'workers[1].hostname: found the worker hostname "NODE-1" again (first at workers[0]); expected each worker hostname once',
    rule: 'unique-worker-hostname',
  },
  {
    name: 'duplicate network name',
    text: withChallenges(ALPHA, `${HEADER}  - name: net-a\n    encrypted: false\n`),
    line: 12,
    column: 11,
    message: 'networks[1].name: found the network name "net-a" again (first at networks[0]); expected each network name once',
    rule: 'unique-network-name',
  },
  {
    name: 'challenge joins an undeclared network',
    text: withChallenges(`${ALPHA}    networks: [net-a, backend]\n`),
    line: 18,
    column: 23,
    message: 'challenges[0].networks[1]: found the network "backend", which is not declared; expected one of net-a',
    rule: 'network-exists',
  },
  {
    name: 'misspelt network name gets a suggestion',
    text: withChallenges(`${ALPHA}    networks: [net_a]\n`),
    line: 18,
    column: 16,
    message: 'challenges[0].networks[0]: found the network "net_a", which is not declared; did you mean "net-a"?',
    rule: 'network-exists',
  },
  {
    name: 'challenge with an empty network list',
    text: withChallenges(`${ALPHA}    networks: []\n`),
    line: 18,
    column: 15,
    message: 'challenges[0].networks: found an empty list, so the challenge would join no network',
    contains: true,
    rule: 'challenge-without-network',
  },
  {
    name: 'no networks listed and no encrypted network declared',
    text: withChallenges(ALPHA, HEADER.replace('  - name: net-a\n', '  - name: net-a\n    encrypted: false\n')),
    line: 14,
    column: 5,
    message: 'challenges[0]: lists no networks and no encrypted network is declared, so it would join none',
    contains: true,
    rule: 'challenge-without-network',
  },
  {
    name: 'image with an upper-case repository',
    text: withChallenges(ALPHA.replace('reg.example/base/alpha', 'reg.example/Base/Alpha')),
    line: 15,
    column: 12,
    message: 'challenges[0].image: found "reg.example/Base/Alpha:1.0.0", expected a lower-case repository name',
    rule: 'image-ref',
  },
  {
    name: 'image with a malformed digest',
    text: withChallenges(ALPHA.replace('alpha:1.0.0', 'alpha:1.0.0@sha256:abc')),
    line: 15,
    column: 12,
    message: 'challenges[0].image: found "reg.example/base/alpha:1.0.0@sha256:abc", expected the digest after "@" to be sha256:<64 lower-case hex>',
    rule: 'image-ref',
  },
  {
    name: 'master image that is not a reference at all',
    text: withChallenges(ALPHA, HEADER.replace('reg.example/base/master:1.0.0', '"::not an image"')),
    line: 9,
    column: 10,
    message: 'master.image: found "::not an image", expected an image reference without spaces',
    rule: 'image-ref',
  },
  {
    name: 'production image without a digest',
    text: withChallenges(ALPHA, PRODUCTION_HEADER),
    line: 15,
    column: 12,
    message: 'challenges[0].image: found "reg.example/base/alpha:1.0.0"; production requires a digest (@sha256:<64 hex>), e.g. registry/repository:1.2.3@sha256:<64 hex>',
    rule: 'production-image-pinned',
  },
  {
    name: 'production image with a branch tag',
    text: withChallenges(PINNED.replace('alpha:1.0.0', 'alpha:main'), PRODUCTION_HEADER),
    line: 15,
    column: 12,
    message: 'production requires a SemVer or latest tag instead of "main"',
    contains: true,
    rule: 'production-image-pinned',
  },
  {
    name: 'production master image pinned only by digest',
    text: withChallenges(PINNED, PRODUCTION_HEADER.replace('master:1.0.0@', 'master@')),
    line: 9,
    column: 10,
    message: 'production requires a tag (SemVer or latest), e.g.',
    contains: true,
    rule: 'production-image-pinned',
  },
  {
    name: 'negative emission_percent',
    text: withChallenges(ALPHA.replace('emission_percent: 10', 'emission_percent: -5')),
    line: 17,
    column: 23,
    message: 'challenges[0].emission_percent: found -5, expected a number >= 0 (a share of 100)',
    rule: 'emission-percent',
  },
  {
    name: 'active emission over 100 points at the challenge that crosses it',
    text: withChallenges(ALPHA.replace('emission_percent: 10', 'emission_percent: 70') + BETA.replace('emission_percent: 10', 'emission_percent: 50')),
    line: 22,
    column: 23,
    message: "challenges[1].emission_percent: active challenges' emission_percent add up to 120 (alpha 70, beta 50), expected at most 100",
    rule: 'emission-sum',
  },
  {
    name: 'control-plane database URL by name',
    text: withEnv('      BASE_DATABASE_URL: x\n'),
    line: 19,
    column: 7,
    message: "challenges[0].env.BASE_DATABASE_URL: found BASE_DATABASE_URL; env must not carry database URLs (a challenge gets its own CHALLENGE_DATABASE_URL, and never the control plane's)",
    rule: 'env-database-url',
  },
  {
    name: 'any name containing DATABASE_URL',
    text: withEnv('      LOG_LEVEL: info\n      analytics_database_url: x\n'),
    line: 20,
    column: 7,
    message: 'challenges[0].env.analytics_database_url: found analytics_database_url; env must not carry database URLs',
    contains: true,
    rule: 'env-database-url',
  },
  {
    name: 'postgres URL as a value, never echoed',
    text: withEnv('      STORE: postgresql://admin:hunter2@db:5432/base\n'),
    line: 19,
    column: 14,
    message: 'challenges[0].env.STORE: found a PostgreSQL URL in STORE; env must not point at a control-plane database (a database URL belongs in secrets)',
    rule: 'env-database-url',
  },
  {
    name: 'value under a TOKEN name',
    text: withEnv('      HF_TOKEN: hf_abc\n'),
    line: 19,
    column: 17,
    message: 'challenges[0].env.HF_TOKEN: found a value under HF_TOKEN, a name that looks secret; put it in a Swarm secret and list that under secrets (env is visible in the service spec)',
    rule: 'env-secret-value',
  },
  {
    name: 'value under a lower-case password name',
    text: withEnv('      db_password: x\n'),
    line: 19,
    column: 20,
    message: 'found a value under db_password, a name that looks secret',
    contains: true,
    rule: 'env-secret-value',
  },
  {
    name: 'value under a *_KEY name',
    text: withEnv('      SIGNING_KEY: "0xabc"\n'),
    line: 19,
    column: 20,
    message: 'found a value under SIGNING_KEY, a name that looks secret',
    contains: true,
    rule: 'env-secret-value',
  },
  {
    name: 'value under a lower-case *secret* name',
    text: withEnv('      client_secret: x\n'),
    line: 19,
    column: 22,
    message: 'challenges[0].env.client_secret: found a value under client_secret, a name that looks secret',
    contains: true,
    rule: 'env-secret-value',
  },
  {
    name: 'PLATFORM_DATABASE_URL',
    text: withEnv('      PLATFORM_DATABASE_URL: x\n'),
    line: 19,
    column: 7,
    message: 'challenges[0].env.PLATFORM_DATABASE_URL: found PLATFORM_DATABASE_URL; env must not carry database URLs',
    contains: true,
    rule: 'env-database-url',
  },
  {
    name: 'CHALLENGE_SHARED_TOKEN_FILE is reserved',
    text: withEnv('      CHALLENGE_SHARED_TOKEN_FILE: /run/secrets/x\n'),
    line: 19,
    column: 7,
    message: 'challenges[0].env.CHALLENGE_SHARED_TOKEN_FILE: found CHALLENGE_SHARED_TOKEN_FILE, which the reconciler sets itself; remove it from env',
    rule: 'env-reserved-name',
  },
  {
    name: 'name the reconciler injects',
    text: withEnv('      BASE_CHALLENGE_SLUG: other\n'),
    line: 19,
    column: 7,
    message: 'challenges[0].env.BASE_CHALLENGE_SLUG: found BASE_CHALLENGE_SLUG, which the reconciler sets itself; remove it from env',
    rule: 'env-reserved-name',
  },
  {
    name: 'CHALLENGE_DATABASE_URL is reserved rather than a database-URL leak',
    text: withEnv('      CHALLENGE_DATABASE_URL: sqlite:///x\n'),
    line: 19,
    column: 7,
    message: 'challenges[0].env.CHALLENGE_DATABASE_URL: found CHALLENGE_DATABASE_URL, which the reconciler sets itself; remove it from env',
    rule: 'env-reserved-name',
  },
  {
    name: 'memory that does not parse',
    text: withResources('      memory: 12X\n'),
    line: 19,
    column: 15,
    message: 'challenges[0].resources.memory: found "12X", expected a size like 512M, 4GiB, 1.5g or a number of bytes',
    rule: 'resources-memory',
  },
  {
    name: 'zero memory',
    text: withResources('      memory: 0\n'),
    line: 19,
    column: 15,
    message: 'challenges[0].resources.memory: found 0, expected more than 0 bytes',
    rule: 'resources-memory',
  },
  {
    name: 'cpus that do not parse',
    text: withResources('      cpus: two\n'),
    line: 19,
    column: 13,
    message: 'challenges[0].resources.cpus: found "two", expected a number of CPUs like 2 or 0.5 (at most 9 decimals)',
    rule: 'resources-cpus',
  },
  {
    name: 'zero cpus',
    text: withResources('      cpus: "0.0"\n'),
    line: 19,
    column: 13,
    message: 'challenges[0].resources.cpus: found "0.0", expected more than 0 CPUs',
    rule: 'resources-cpus',
  },
  {
    name: 'worker label with the reserved base. prefix',
    text: withChallenges(ALPHA, `${HEADER}workers:\n  - hostname: node-1\n    workload: cpu\n    labels:\n      base.workload: gpu\n`),
    line: 16,
    column: 7,
    message: 'workers[0].labels["base.workload"]: found the label "base.workload"; the "base." prefix is reserved for labels the reconciler sets (use workload for base.workload)',
    rule: 'worker-label-reserved-prefix',
  },
  {
    name: 'challenge given the admin token secret',
    text: withChallenges(`${ALPHA}    secrets: [alpha-key, base-admin-token]\n`),
    line: 18,
    column: 26,
    message: `challenges[0].secrets[1]: found "base-admin-token", the master's admin token secret; a challenge must never receive the admin token`,
    rule: 'secret-admin-token',
  },
  {
    name: 'development metagraph in production',
    text: `${withChallenges(PINNED, PRODUCTION_HEADER)}development_metagraph:\n  5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY: 1\n`,
    line: 18,
    column: 1,
    message: 'development_metagraph: found development_metagraph in a production file; production reads the metagraph from the chain (remove it, or set subnet.environment: development)',
    rule: 'development-metagraph-in-production',
  },
  {
    name: 'development metagraph giving one uid to two hotkeys',
    text: `${withChallenges()}development_metagraph:\n  5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY: 1\n  5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty: 1\n`,
    line: 20,
    column: 53,
    message: 'found uid 1 again (already given to 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY); expected each uid once',
    contains: true,
    rule: 'metagraph-unique-uid',
  },
  {
    name: 'a signed route path with a dot segment (the proxy resolves it away, so it never matches)',
    text: withChallenges(`${ALPHA}    signed_routes:\n      - methods: [POST]\n        path: /submissions/../env\n`),
    line: 20,
    column: 15,
    message: 'challenges[0].signed_routes[0].path: found "/submissions/../env", expected a path without "." or ".." segments (the proxy resolves them before matching)',
    rule: 'signed-route-path',
  },
  {
    name: 'the same method and path shape declared twice as a signed route',
    text: withChallenges(`${ALPHA}    signed_routes:\n      - { methods: [GET, PUT], path: "/s/{id}" }\n      - { methods: [PUT], path: "/s/{other}" }\n`),
    line: 20,
    column: 9,
    message: 'challenges[0].signed_routes[1]: found PUT /s/{other} again (first at challenges[0].signed_routes[0]); expected each method and path once',
    rule: 'signed-route-unique',
  },
];

for (const c of cases) {
  test(`semantic rule is reported with its position: ${c.name}`, () => assertReports(c));
}

test('a database URL value is never echoed into a message (it may hold a password)', () => {
  const result = parseDesiredState(withEnv('      STORE: postgres://admin:hunter2@db/base\n      OTHER_TOKEN: tok-123\n'), 'subnet.yaml');
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.problems.length, 2);
  for (const problem of result.problems) {
    assert.doesNotMatch(problem.message, /hunter2|tok-123/);
  }
});

test('credentials in a URL are masked wherever a value is quoted', () => {
  const text = withChallenges(ALPHA, HEADER.replace('ws://127.0.0.1:9944', 'https://operator:s3cret@rpc.example'));
  const result = parseDesiredState(text, 'subnet.yaml');
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.problems.map((p) => p.message),
    ['subnet.chain_endpoint: found "https://***@rpc.example", expected a ws:// or wss:// URL'],
  );
});

test('a *_FILE name pointing into /run/secrets/ is allowed: it names where a secret is mounted', () => {
  const result = parseDesiredState(withEnv('      API_TOKEN_FILE: /run/secrets/api-token\n'), 'subnet.yaml');
  assert.deepEqual(result.ok ? [] : result.problems.map((p) => p.message), []);
});

test('active shares that add up to exactly 100 in decimal are accepted despite floating point', () => {
  const text = withChallenges(
    ALPHA.replace('emission_percent: 10', 'emission_percent: 33.3') +
      BETA.replace('emission_percent: 10', 'emission_percent: 33.3') +
      BETA.replace('slug: beta', 'slug: gamma').replace('emission_percent: 10', 'emission_percent: 33.4'),
  );
  const result = parseDesiredState(text, 'subnet.yaml');
  assert.deepEqual(result.ok ? [] : result.problems.map((p) => p.message), []);
});

test('inactive and draft challenges do not count toward the emission budget', () => {
  const text = withChallenges(
    ALPHA.replace('emission_percent: 10', 'emission_percent: 90') +
      BETA.replace('status: active', 'status: inactive').replace('emission_percent: 10', 'emission_percent: 90') +
      BETA.replace('slug: beta', 'slug: gamma').replace('status: active', 'status: draft').replace('emission_percent: 10', 'emission_percent: 50'),
  );
  assert.equal(parseDesiredState(text, 'subnet.yaml').ok, true);
});
