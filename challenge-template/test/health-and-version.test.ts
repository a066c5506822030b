import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { API_VERSION, CHALLENGE_VERSION, SDK_VERSION } from '../src/identity.ts';
import { getJson, startTestChallenge, type TestChallenge } from './support.ts';

let challenge: TestChallenge;
before(async () => {
  challenge = await startTestChallenge({ slug: 'health-check-slug' });
});
after(() => challenge.close());

test('GET /health answers status ok with the configured slug and the challenge version', async () => {
  const { status, body } = await getJson(`${challenge.url}/health`);
  assert.equal(status, 200);
  assert.deepEqual(body, { status: 'ok', slug: 'health-check-slug', version: CHALLENGE_VERSION });
});

test('GET /version answers what the reference master checks: api_version 1.0, challenge_version, a SemVer sdk_version, capabilities', async () => {
  const { status, body } = await getJson(`${challenge.url}/version`);
  assert.equal(status, 200);
  assert.deepEqual(body, { api_version: '1.0', challenge_version: CHALLENGE_VERSION, sdk_version: SDK_VERSION, capabilities: ['get_weights', 'proxy_routes'] });
  assert.equal(API_VERSION, '1.0');
  assert.match(body.sdk_version, /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, 'sdk_version is MAJOR.MINOR.PATCH');
  assert.match(body.challenge_version, /^\S+$/);
});

test('unknown paths are a JSON 404, wrong methods on known paths a 405', async () => {
  const missing = await getJson(`${challenge.url}/nope`);
  assert.equal(missing.status, 404);
  assert.match(missing.body.error, /no route/);
  const wrongMethod = await fetch(`${challenge.url}/health`, { method: 'DELETE' });
  assert.equal(wrongMethod.status, 405);
});
