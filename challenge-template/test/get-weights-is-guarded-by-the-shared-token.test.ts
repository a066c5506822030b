import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CHALLENGE_SLUG } from '../src/identity.ts';
import { ALICE, TOKEN, getJson, postJson, startTestChallenge, type TestChallenge } from './support.ts';

let challenge: TestChallenge;
const NOW = 1_700_000_000_000;
before(async () => {
  challenge = await startTestChallenge({ epochSeconds: 360 }, () => NOW);
  await postJson(`${challenge.url}/submissions`, { hotkey: ALICE, answer: 1 });
});
after(() => challenge.close());

const weightsUrl = () => `${challenge.url}/internal/v1/get_weights`;

test('the right bearer token gets {challenge_slug, epoch, weights}', async () => {
  const { status, body } = await getJson(weightsUrl(), { authorization: `Bearer ${TOKEN}` });
  assert.equal(status, 200);
  assert.equal(body.challenge_slug, CHALLENGE_SLUG);
  assert.equal(body.epoch, Math.floor(NOW / 1000 / 360));
  assert.deepEqual(Object.keys(body.weights), [ALICE]);
  assert.ok(body.weights[ALICE] > 0);
});

test('a wrong or missing token is 401 and reveals no weights', async () => {
  for (const headers of <Array<Record<string, string>>>[{ authorization: 'Bearer wrong-token' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, {}]) {
    const { status, body, headers: answer } = await getJson(weightsUrl(), headers);
    assert.equal(status, 401, JSON.stringify(headers));
    assert.equal(body.weights, undefined);
    assert.equal(answer.get('www-authenticate'), 'Bearer');
  }
});

test('X-Base-Challenge-Slug naming another slug is 400; naming this one is fine', async () => {
  const other = await getJson(weightsUrl(), { authorization: `Bearer ${TOKEN}`, 'x-base-challenge-slug': `${CHALLENGE_SLUG}-other` });
  assert.equal(other.status, 400);
  assert.ok(other.body.error.includes(`${CHALLENGE_SLUG}-other`));
  const same = await getJson(weightsUrl(), { authorization: `Bearer ${TOKEN}`, 'x-base-challenge-slug': CHALLENGE_SLUG });
  assert.equal(same.status, 200);
});

test('a bad token is refused before the slug header is looked at (401, not 400)', async () => {
  const { status } = await getJson(weightsUrl(), { authorization: 'Bearer nope', 'x-base-challenge-slug': `${CHALLENGE_SLUG}-other` });
  assert.equal(status, 401);
});

test('no token configured (no file setting, or the file is gone) is 503 even with a bearer header', async () => {
  const unconfigured = await startTestChallenge({ tokenFile: null });
  try {
    const { status, body } = await getJson(`${unconfigured.url}/internal/v1/get_weights`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(status, 503);
    assert.equal(body.weights, undefined);
  } finally {
    await unconfigured.close();
  }
  const missingFile = await startTestChallenge();
  try {
    rmSync(join(missingFile.dir, 'token'));
    const { status } = await getJson(`${missingFile.url}/internal/v1/get_weights`, { authorization: `Bearer ${TOKEN}` });
    assert.equal(status, 503);
  } finally {
    await missingFile.close();
  }
});
