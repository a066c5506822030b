// HTTP failures toward the master, injected with nock: per-attempt timeout, 5xx then success, connection reset,
// no retry on a 4xx, and giving up after the configured retries.
import assert from 'node:assert/strict';
import { afterEach, before, after, test } from 'node:test';
import nock from 'nock';
import { fetchLatestVector, FetchVectorError } from '../fetch-vector.ts';

const MASTER = 'http://master.test';
const URL_LATEST = `${MASTER}/v1/weights/latest`;
const options = { timeoutMs: 200, retries: 2, minBackoffMs: 5, maxBackoffMs: 20, maxBodyBytes: 1024 };
const body = { netuid: 2, digest: 'x' };

before(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
after(() => nock.enableNetConnect());

test('a 503 then a 500 then success: three attempts, the body is returned', async () => {
  const scope = nock(MASTER).get('/v1/weights/latest').reply(503, 'not sealed yet').get('/v1/weights/latest').reply(500).get('/v1/weights/latest').reply(200, body);
  const fetched = await fetchLatestVector(URL_LATEST, options);
  assert.deepEqual(fetched, { body, attempts: 3 });
  assert.ok(scope.isDone());
});

test('an answer slower than the per-attempt timeout is abandoned and retried', async () => {
  const scope = nock(MASTER).get('/v1/weights/latest').delay(1_000).reply(200, { late: true }).get('/v1/weights/latest').reply(200, body);
  const started = Date.now();
  const fetched = await fetchLatestVector(URL_LATEST, options);
  assert.deepEqual(fetched, { body, attempts: 2 });
  assert.ok(Date.now() - started < 900, 'waited for the slow answer instead of timing out');
  assert.ok(scope.isDone());
});

test('a connection reset is retried', async () => {
  const scope = nock(MASTER)
    .get('/v1/weights/latest')
    .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    .get('/v1/weights/latest')
    .reply(200, body);
  assert.deepEqual(await fetchLatestVector(URL_LATEST, options), { body, attempts: 2 });
  assert.ok(scope.isDone());
});

test('after the last retry the error says how many attempts failed and why', async () => {
  nock(MASTER).get('/v1/weights/latest').times(3).reply(502, 'bad gateway');
  await assert.rejects(fetchLatestVector(URL_LATEST, options), (error: unknown) => {
    assert.ok(error instanceof FetchVectorError);
    assert.equal(error.attempts, 3);
    assert.match(error.message, /GET http:\/\/master\.test\/v1\/weights\/latest failed after 3 attempt\(s\): HTTP 502/);
    return true;
  });
});

test('every attempt timing out ends in a timeout error', async () => {
  nock(MASTER).get('/v1/weights/latest').times(3).delay(1_000).reply(200, body);
  await assert.rejects(fetchLatestVector(URL_LATEST, options), /failed after 3 attempt\(s\): no answer within 200 ms/);
});

test('a 404 or a body that is not JSON is not retried', async () => {
  const notFound = nock(MASTER).get('/v1/weights/latest').reply(404, 'no such route');
  await assert.rejects(fetchLatestVector(URL_LATEST, options), /failed after 1 attempt\(s\): HTTP 404/);
  assert.ok(notFound.isDone());
  nock(MASTER).get('/v1/weights/latest').reply(200, '<html>', { 'content-type': 'text/html' });
  await assert.rejects(fetchLatestVector(URL_LATEST, options), /failed after 1 attempt\(s\): the body is not JSON/);
});

test('a body over the size limit is refused', async () => {
  nock(MASTER).get('/v1/weights/latest').reply(200, JSON.stringify({ pad: 'x'.repeat(4096) }));
  await assert.rejects(fetchLatestVector(URL_LATEST, options), /the body (is \d+ bytes; the limit is 1024|exceeds the limit of 1024 bytes)/);
});

test('credentials in the URL never appear in the error', async () => {
  nock('http://master.test').get('/v1/weights/latest').times(3).reply(500);
  await assert.rejects(fetchLatestVector('http://user:hunter2@master.test/v1/weights/latest', options), (error: unknown) => {
    assert.ok(!(error as Error).message.includes('hunter2'));
    return true;
  });
});
