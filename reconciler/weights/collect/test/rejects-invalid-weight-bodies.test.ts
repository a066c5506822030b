import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fetchChallengeWeights } from '../fetch-weights.ts';
import { randomHotkey, randomWeights, startChallengeServer, type TestChallengeServer } from './challenge-server.ts';

const servers: TestChallengeServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

/** Serves `body` (a string, sent as is) and returns the collector's verdict; invalid bodies are never retried. */
async function verdict(body: string, options: { maxBodyBytes?: number; maxHotkeys?: number } = {}) {
  const server = await startChallengeServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  servers.push(server);
  const result = await fetchChallengeWeights({ slug: 'sample', origin: server.origin, token: 't' }, { minBackoffMs: 10, ...options });
  assert.equal(server.requests.length, 1, 'an invalid body is not asked for again');
  return result;
}
const reasonOf = (result: Awaited<ReturnType<typeof verdict>>) => (result.ok ? assert.fail('expected a failure') : result.reason);

test('a valid body: weights as a Map in the order sent, the reported epoch kept', async () => {
  const weights = randomWeights(4);
  const result = await verdict(JSON.stringify({ challenge_slug: 'sample', epoch: 77, weights, extra: 'ignored' }));
  assert.ok(result.ok);
  assert.deepEqual([...result.weights.keys()], Object.keys(weights));
  assert.equal(result.reportedEpoch, 77);
});

test('slug mismatch', async () => {
  assert.match(reasonOf(await verdict(JSON.stringify({ challenge_slug: 'other', weights: {} }))), /invalid body: challenge_slug is "other", expected "sample"/);
  assert.match(reasonOf(await verdict(JSON.stringify({ weights: {} }))), /challenge_slug is missing, expected the string "sample"/);
});

test('malformed JSON', async () => {
  assert.match(reasonOf(await verdict('{"challenge_slug": "sample", "weights": {')), /the body is not valid JSON/);
  assert.match(reasonOf(await verdict('[]')), /the body is an array, expected an object/);
});

test('a key that is not an SS58 address is accepted as it is (it burns in the aggregation), the others kept', async () => {
  const hk = randomHotkey();
  const almost = `0${randomHotkey().slice(1)}`; // right length, but 0 is not base58
  const keys = [hk, 'not-an-address', almost, '', '12', 'k'.repeat(128), '\u{1F600}'.repeat(128), 'miner ü 5'];
  const result = await verdict(JSON.stringify({ challenge_slug: 'sample', weights: Object.fromEntries(keys.map((k, i) => [k, i + 1])) }));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.deepEqual(new Set(result.weights.keys()), new Set(keys));
  assert.equal(result.weights.get('not-an-address'), 2);
});

test('a key past 128 characters or with a control character or a lone surrogate fails the whole answer', async () => {
  const hk = randomHotkey();
  const body = (key: string) => JSON.stringify({ challenge_slug: 'sample', weights: { [hk]: 1, [key]: 1 } });
  assert.match(reasonOf(await verdict(body('k'.repeat(129)))), /weights key "k{64}…" is longer than 128 characters, expected a printable key of at most 128 characters/);
  assert.match(reasonOf(await verdict(body('\u{1F600}'.repeat(129)))), /is longer than 128 characters/);
  assert.match(reasonOf(await verdict(body('a\u0000b'))), /weights key "a\\u0000b" holds the control character U\+0000/);
  assert.match(reasonOf(await verdict(body('tab\there'))), /holds the control character U\+0009/);
  assert.match(reasonOf(await verdict(body('del\u007f'))), /weights key "del\\u007f" holds the control character U\+007F/);
  assert.match(reasonOf(await verdict(body('c1\u0085'))), /holds the control character U\+0085/);
  assert.match(reasonOf(await verdict(body('x\ud800'))), /holds a lone surrogate U\+D800/);
  assert.match(reasonOf(await verdict(body('\udc00x'))), /holds a lone surrogate U\+DC00/);
});

test('a non-number value, weights not an object, a bad epoch fail the whole answer', async () => {
  const hk = randomHotkey();
  assert.match(reasonOf(await verdict(JSON.stringify({ challenge_slug: 'sample', weights: { [hk]: '0.5' } }))), /is a string, expected a number/);
  assert.match(reasonOf(await verdict(JSON.stringify({ challenge_slug: 'sample', weights: { [hk]: null } }))), /is null, expected a number/);
  assert.match(reasonOf(await verdict(JSON.stringify({ challenge_slug: 'sample', weights: [1, 2] }))), /weights is an array, expected an object/);
  assert.match(reasonOf(await verdict(JSON.stringify({ challenge_slug: 'sample', epoch: -1, weights: {} }))), /epoch is -1, expected an integer >= 0/);
});

test('too many hotkeys', async () => {
  const weights = randomWeights(11);
  assert.match(reasonOf(await verdict(JSON.stringify({ challenge_slug: 'sample', weights }), { maxHotkeys: 10 })), /weights has more than 10 hotkeys, expected at most 10/);
  assert.ok((await verdict(JSON.stringify({ challenge_slug: 'sample', weights }), { maxHotkeys: 11 })).ok, 'exactly the bound is fine');
});

test('a body declared larger than the bound is refused before reading', async () => {
  const body = JSON.stringify({ challenge_slug: 'sample', weights: randomWeights(200) });
  assert.match(reasonOf(await verdict(body, { maxBodyBytes: 1_000 })), /the body is \d+ bytes \(Content-Length\), expected at most 1000/);
});

test('a streamed body without Content-Length is cut as soon as it passes the bound', async () => {
  let written = 0;
  let closedEarly = false;
  const server = await startChallengeServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no Content-Length
    res.write('{"challenge_slug": "sample", "weights": {');
    const chunk = `"${randomHotkey()}": 1, `.repeat(1000);
    const pump = () => {
      while (written < 64 * 1024 * 1024) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end('}}');
    };
    res.on('close', () => {
      closedEarly = !res.writableFinished;
    });
    pump();
  });
  servers.push(server);
  const result = await fetchChallengeWeights({ slug: 'sample', origin: server.origin, token: 't' }, { maxBodyBytes: 1024 * 1024 });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /the body passed 1048576 bytes, expected at most 1048576; download cut/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(closedEarly, 'the server saw the download abandoned');
  assert.ok(written < 16 * 1024 * 1024, `the server wrote ${written} bytes before the cut; expected far less than the 64 MiB it had`);
});
