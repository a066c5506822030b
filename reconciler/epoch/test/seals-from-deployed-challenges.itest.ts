/**
 * End to end on the test bed: two challenge services deployed by the reconciler's executor (`runApply`, as
 * `base apply` does), each answering `/internal/v1/get_weights` only with its own token (read from
 * CHALLENGE_SHARED_TOKEN_FILE); the epoch loop collects their real answers and seals into the test bed's PostgreSQL
 * through a TCP relay the test cuts and restores (the shared PostgreSQL itself is never stopped).
 *
 * Reaching the services: see deployed-challenges.ts (a TCP relay container on the challenges' overlay).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Fixture } from '../../apply/test/support.ts';
import { PostgresStore, type ControlPlaneStore } from '../../store/index.ts';
import { dropSchema, testbedDatabaseUrl, uniqueSchema } from '../../store/test/postgres-testbed.ts';
import { startTcpRelay, type TcpRelay } from '../../store/test/tcp-relay.ts';
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
import { deployScoringChallenges } from './deployed-challenges.ts';

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
  fx = await Fixture.create('wts');
  const deployed = await deployScoringChallenges(fx, [
    { name: 'a', emission_percent: 50, weights: weightsA },
    { name: 'b', emission_percent: 30, weights: weightsB },
  ]);
  for (const [slug, origin] of deployed) origins.set(slug, origin);

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
