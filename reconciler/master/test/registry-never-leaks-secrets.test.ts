import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SubnetDesiredState } from '../../desired-state/index.ts';
import { buildRegistry, decimalString, type RegistryDocument } from '../registry.ts';
import { DESIRED_YAML, desiredState, send, startTestMaster, type TestMaster } from './support.ts';

let master: TestMaster;
before(async () => {
  master = await startTestMaster({
    tasks: new Map([['alpha', { running: 1, desired: 1 }]]),
    probes: new Map([
      ['alpha', { ok: true, checkedAt: '2026-01-01T00:00:30.000Z', healthStatus: 200, versionStatus: 200, version: '1.0.0', error: null, durationMs: 3 }],
    ]),
  });
});
after(() => master.close());

test('the registry has the reference fields per non-draft challenge, plus revision, signing key and live health', async () => {
  const response = await send(master.port, '/v1/registry');
  assert.equal(response.status, 200);
  const doc = JSON.parse(response.body) as RegistryDocument;
  assert.equal(doc.network, 'testnet');
  assert.equal(doc.api_version, '1.0');
  assert.equal(doc.master_uid, 3);
  assert.equal(doc.desired_state_revision, 'abc123');
  assert.equal(doc.master_signing_public_key, `0x${'11'.repeat(32)}`);
  assert.deepEqual(doc.challenges.map((c) => [c.slug, c.status]), [['alpha', 'active'], ['beta', 'active'], ['gamma', 'inactive']]);
  const alpha = doc.challenges[0]!;
  assert.deepEqual(alpha, {
    slug: 'alpha',
    name: 'Alpha',
    image: '127.0.0.1:5000/alpha:1.0.0',
    version: '1.0.0',
    emission_percent: '12.5',
    status: 'active',
    description: 'The first one.',
    metadata: {
      tagline: 'Alpha tagline',
      summary: 'Alpha summary',
      category: 'test',
      docs_url: 'https://docs.example/alpha',
      repository_url: 'https://github.com/example/alpha',
      website_url: 'https://alpha.example',
      icon_url: 'https://alpha.example/icon.png',
      banner_url: 'https://alpha.example/banner.png',
    },
    internal_base_url: 'http://challenge-alpha:8000',
    public_proxy_base_path: '/challenges/alpha',
    required_capabilities: ['gpu'],
    resources: { cpus: '1.5', memory: '512M', pids: '128' },
    volumes: { 'challenge-alpha-data': '/data' },
    env: {},
    secrets: [],
    health: {
      running_tasks: 1,
      desired_tasks: 1,
      probe: { ok: true, checked_at: '2026-01-01T00:00:30.000Z', health_status: 200, version_status: 200, version: '1.0.0', error: null },
    },
  });
  const beta = doc.challenges[1]!;
  assert.equal(beta.emission_percent, '30');
  assert.deepEqual(beta.health, { running_tasks: 0, desired_tasks: 0, probe: null }, 'a challenge the Swarm does not run shows 0 tasks');
  assert.equal(beta.description, null);
});

test('never env values, env names, secret names or tokens, even with a desired state full of them', async () => {
  const response = await send(master.port, '/v1/registry');
  const forbidden = [
    'very-visible-env-value-alpha',
    'private-env-url',
    'judge.internal.example',
    'beta-env-value-should-not-leak',
    'LOG_LEVEL',
    'JUDGE_API_TOKEN_FILE',
    '/run/secrets',
    'alpha-judge-token',
    'alpha-db-password-secret',
    'beta-secret-name',
    'base-admin-token',
  ];
  for (const needle of forbidden) assert.ok(!response.body.includes(needle), `registry contains ${needle}`);
  const doc = JSON.parse(response.body) as RegistryDocument;
  for (const challenge of doc.challenges) {
    assert.deepEqual([challenge.env, challenge.secrets], [{}, []], `${challenge.slug}: the reference's env and secrets are served empty`);
  }
  assert.ok(DESIRED_YAML.includes('very-visible-env-value-alpha'), 'the fixture does carry the values');
});

test('metadata is an allowlist: unknown keys and non-string values are dropped', () => {
  const state = desiredState();
  const tampered = structuredClone(state) as SubnetDesiredState;
  (tampered.challenges[0]!.metadata as Record<string, unknown>).internal_notes = 'private';
  (tampered.challenges[0]!.metadata as Record<string, unknown>).tagline = { nested: 'object' };
  const doc = buildRegistry({ desired: tampered, revision: null, signingKey: null, tasks: null, probes: new Map(), now: new Date(0) });
  const metadata = doc.challenges[0]!.metadata;
  assert.equal('internal_notes' in metadata, false);
  assert.equal('tagline' in metadata, false);
  assert.equal(doc.challenges[0]!.health.running_tasks, null, 'no Docker API: unknown, not 0');
  assert.equal(doc.master_signing_public_key, null);
});

test('without a desired state the registry is empty but well-formed', () => {
  const doc = buildRegistry({ desired: null, revision: null, signingKey: null, tasks: null, probes: new Map(), now: new Date(0) });
  assert.deepEqual(doc.challenges, []);
  assert.equal(doc.api_version, '1.0');
});

test('emission_percent is a decimal string, never exponent notation', () => {
  assert.equal(decimalString(40), '40');
  assert.equal(decimalString(12.5), '12.5');
  assert.equal(decimalString(0.0000001), '0.0000001');
  assert.equal(decimalString(0), '0');
});
