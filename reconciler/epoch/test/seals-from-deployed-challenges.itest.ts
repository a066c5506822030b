/**
 * End to end on the test bed: two challenge services deployed by the reconciler's executor (`runApply`, as
 * `base apply` does), each answering `/internal/v1/get_weights` only with its own token (read from
 * CHALLENGE_SHARED_TOKEN_FILE); the epoch loop collects their real answers and seals into the test bed's PostgreSQL
 * through a TCP relay the test cuts and restores (the shared PostgreSQL itself is never stopped).
 *
 * Reaching the services: from the host the dnsrr services are not reachable by name, so the test runs a small TCP
 * relay container on the challenges' (attachable) overlay that forwards a published 127.0.0.1 port to
 * `challenge-<slug>:8000` by its service name. Bytes pass unchanged: the collector sees the challenges' own answers,
 * status codes and headers. Only the origin differs from production (`originFor`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { Fixture } from '../../apply/test/support.ts';
import { PostgresStore, type ControlPlaneStore } from '../../store/index.ts';
import { dropSchema, testbedDatabaseUrl, uniqueSchema } from '../../store/test/postgres-testbed.ts';
import { startTcpRelay, type TcpRelay } from '../../store/test/tcp-relay.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';
import { aggregateChallengeWeights } from '../../weights/aggregate.ts';
import { stateDirTokens } from '../../weights/collect/index.ts';
import { randomHotkey } from '../../weights/collect/test/challenge-server.ts';
import { verifyVector } from '../../weights/seal.ts';
import { loadSigningKey } from '../../weights/signing-key.ts';
import type { SealedVector } from '../../weights/vector.ts';
import { epochOf } from '../epoch-clock.ts';
import { epochLoopConfig, masterSigningKeyPath } from '../from-desired-state.ts';
import { staticMetagraphSource } from '../metagraph-source.ts';
import { WeightsEpochLoop } from '../weights-epoch-loop.ts';
import { loadDesiredState, requireValid } from '../../desired-state/index.ts';

const CHALLENGE_JS = `
const http = require('http'); const fs = require('fs');
process.on('SIGTERM', () => process.exit(0));
const slug = process.env.BASE_CHALLENGE_SLUG;
const weights = JSON.parse(process.env.TEST_WEIGHTS_JSON || '{}');
http.createServer((req, res) => {
  if (req.url !== '/internal/v1/get_weights') { res.statusCode = 404; return res.end(); }
  let token;
  try { token = fs.readFileSync(process.env.CHALLENGE_SHARED_TOKEN_FILE, 'utf8').trim(); } catch (e) { res.statusCode = 500; return res.end(); }
  if (req.headers.authorization !== 'Bearer ' + token) { res.statusCode = 401; return res.end('{"detail":"unauthorized"}'); }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ challenge_slug: slug, weights }));
}).listen(8000);
`;

const RELAY_JS = `
const net = require('net');
process.on('SIGTERM', () => process.exit(0));
for (const [listen, host, port] of JSON.parse(process.argv[1])) {
  net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.pipe(upstream); upstream.pipe(client);
    client.on('error', () => upstream.destroy()); upstream.on('error', () => client.destroy());
  }).listen(listen);
}
`;

const DOCKERFILE = ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'COPY . /app/', 'USER node', 'CMD ["/usr/bin/node", "/app/server.js"]', ''].join('\n');

let fx: Fixture;
let pgRelay: TcpRelay;
let store: ControlPlaneStore;
let schema: string;
const origins = new Map<string, string>();
const hotkeys = Array.from({ length: 5 }, randomHotkey);
const weightsA = Object.fromEntries(hotkeys.map((h, i) => [h, i + 1]));
const weightsB = { [hotkeys[0]!]: 3, [hotkeys[4]!]: 1, [randomHotkey()]: 7 }; // one unregistered hotkey: its mass burns
const metagraph = Object.fromEntries(hotkeys.map((h, i) => [h, i + 1]));

before(async () => {
  const endpoints = readTestbedEndpoints();
  const image = await buildTestImage(endpoints, { repository: 'base-test/weights-challenge', files: { 'server.js': CHALLENGE_JS }, dockerfile: DOCKERFILE });
  fx = await Fixture.create('wts');
  await fx.write([
    { name: 'a', image: image.ref, emission_percent: 50, env: { TEST_WEIGHTS_JSON: JSON.stringify(weightsA) } },
    { name: 'b', image: image.ref, emission_percent: 30, env: { TEST_WEIGHTS_JSON: JSON.stringify(weightsB) } },
  ]);
  const applied = await fx.apply();
  assert.equal(applied.outcome.status, 'applied', applied.output);

  const slugs = [fx.slug('a'), fx.slug('b')];
  const mapping = slugs.map((slug, i) => [9001 + i, `challenge-${slug}`, 8000]);
  await execa('docker', [
    'run', '-d', '--name', `${fx.prefix}-relay`, '--label', `base.test=${fx.prefix}`, '--network', fx.network,
    ...mapping.flatMap(([port]) => ['-p', `127.0.0.1::${port}`]),
    image.ref, '/usr/bin/node', '-e', RELAY_JS, JSON.stringify(mapping),
  ]);
  for (const [i, slug] of slugs.entries()) {
    const { stdout } = await execa('docker', ['port', `${fx.prefix}-relay`, String(9001 + i)]);
    origins.set(slug, `http://${stdout.split('\n')[0]!.trim()}`);
  }
  // Service DNS on the overlay takes a moment after the rollout: wait until both challenges answer (401 without token).
  for (const origin of origins.values()) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await fetch(`${origin}/internal/v1/get_weights`).then((r) => r.status, () => 0);
      if (status === 401) break;
      if (Date.now() > deadline) throw new Error(`${origin} never answered 401 (last status ${status})`);
      await sleep(500);
    }
  }

  const url = testbedDatabaseUrl();
  const real = new URL(url);
  pgRelay = await startTcpRelay({ host: real.hostname, port: Number(real.port || 5432) });
  const viaRelay = new URL(url);
  viaRelay.hostname = '127.0.0.1';
  viaRelay.port = String(pgRelay.port);
  schema = uniqueSchema();
  store = await PostgresStore.open({ url: viaRelay.toString(), schema, connectionTimeoutMs: 800, statementTimeoutMs: 1_000 });
});

after(async () => {
  await store?.close();
  await pgRelay?.close();
  if (schema) await dropSchema(testbedDatabaseUrl(), schema).catch(() => undefined);
  await fx?.cleanup();
});

test('epochs sealed from the deployed challenges\' real answers; a wrong token is a 401 and a failed source; PostgreSQL away keeps serving and sealing resumes', async () => {
  await fx.state.ensureMasterSigningKey();
  const keypair = await loadSigningKey(masterSigningKeyPath(fx.state));
  const desired = requireValid(await loadDesiredState(fx.file));
  const config = epochLoopConfig(desired, 'itest');
  assert.deepEqual(config.challenges.map((c) => [c.slug, c.port, c.emissionPercent]), [[fx.slug('a'), 8000, 50], [fx.slug('b'), 8000, 30]]);
  const realTokens = stateDirTokens(fx.state);
  let wrongTokenFor: string | null = fx.slug('b');
  const loop = new WeightsEpochLoop({
    store,
    keypair,
    metagraph: staticMetagraphSource(metagraph),
    config: () => config,
    tokens: async (slug) => (slug === wrongTokenFor ? 'f'.repeat(64) : realTokens(slug)),
    originFor: ({ slug }) => origins.get(slug)!,
    fetch: { timeoutMs: 5_000, minBackoffMs: 200 },
    retry: { minMs: 200, maxMs: 1_000 },
  });
  const epoch = epochOf(new Date(), config.epochIntervalSeconds);
  const until = () => new Date(Date.now() + 60_000);
  const source = (vector: SealedVector, slug: string) => vector.source_challenges.find((s) => s.slug === slug)!;

  // Epoch 1: b gets a wrong token, answers 401, and (with no earlier snapshot) is marked failed; a is fresh.
  const first = await loop.runEpoch(epoch, { retryUntil: until() });
  assert.equal(first.status, 'sealed', JSON.stringify(first));
  const v1 = loop.latest()!;
  assert.equal(source(v1, fx.slug('a')).outcome, 'fresh');
  const failed = source(v1, fx.slug('b'));
  assert.equal(failed.outcome, 'failed');
  assert.equal(failed.ok, false);
  assert.match(failed.error!, /answered HTTP 401 Unauthorized, expected 200 \(1 attempt\); no earlier snapshot to carry forward/);
  assert.ok(!JSON.stringify(v1).includes('f'.repeat(64)), 'no token in the vector');

  // Epoch 2: the right tokens: both fresh, the vector is exactly the aggregation of their answers.
  wrongTokenFor = null;
  const second = await loop.runEpoch(epoch + 1, { retryUntil: until() });
  assert.equal(second.status, 'sealed', JSON.stringify(second));
  const v2 = loop.latest()!;
  assert.deepEqual(v2.source_challenges.map((s) => s.outcome), ['fresh', 'fresh']);
  const expected = aggregateChallengeWeights(
    [
      { slug: fx.slug('a'), emission_percent: 50, weights: new Map(Object.entries(weightsA)) },
      { slug: fx.slug('b'), emission_percent: 30, weights: new Map(Object.entries(weightsB)) },
    ],
    new Map(Object.entries(metagraph)),
  );
  assert.deepEqual(v2.uids, expected.uids);
  assert.deepEqual(v2.weights, expected.weights);
  assert.deepEqual(verifyVector(JSON.parse(JSON.stringify(v2)), keypair.publicKey), { ok: true });
  assert.equal((await store.vectorAt(epoch + 1))?.digest, v2.digest, 'stored in PostgreSQL');

  // PostgreSQL away: the last vector is still served; the epoch's sealing retries; the gap shows in status.
  await pgRelay.down();
  const pending = loop.runEpoch(epoch + 2, { retryUntil: until() });
  await sleep(3_000);
  assert.equal(loop.latest(), v2, 'latest() keeps serving the last sealed vector');
  const during = loop.status();
  assert.equal(during.storeAvailable, false);
  assert.equal(during.lastSealedEpoch, epoch + 1);
  assert.match(during.lastError ?? '', /retrying/);
  assert.ok(!(during.lastError ?? '').includes(new URL(testbedDatabaseUrl()).password), 'no password in status');

  await pgRelay.up();
  const third = await pending;
  assert.equal(third.status, 'sealed', JSON.stringify(third));
  assert.equal(loop.latest()?.epoch, epoch + 2);
  assert.deepEqual(loop.status(), { lastSealedEpoch: epoch + 2, lastError: null, storeAvailable: true });
  assert.equal((await store.vectorAt(epoch + 2))?.digest, loop.latest()?.digest);
  assert.equal(loop.details().store.outages, 1);
});
