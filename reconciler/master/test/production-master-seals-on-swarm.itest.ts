/**
 * End to end on the test bed, the production store path: a master deployed by the reconciler with
 * `subnet.environment: production` and `master.database_url_secret` reads the PostgreSQL URL from the Swarm secret
 * the compile mounts at /run/secrets/base/database_url (BASE_DATABASE_URL_FILE), runs its weights loop against the
 * chain metagraph (a chopsticks localnet with the subtensor runtime), collects two deployed challenges with their own
 * tokens over the overlay, and seals into a throw-away PostgreSQL database. The test checks the vector on the
 * master's public port, /health, the row in PostgreSQL, and that the database URL appears nowhere it must not.
 *
 * Reaching the host from containers: PostgreSQL and chopsticks listen on 127.0.0.1; the test runs TCP relays on the
 * test bed bridge address (10.213.0.1), which the containers reach through their gateway.
 *
 * Isolation as in master-on-swarm.itest.ts: the master is `<prefix>-master` with its own data volume and the
 * desired-state file bind-mounted (the compile does not mount one yet); every object carries the prefix and is
 * removed at the end, with the database, the relays and the chain.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import type Docker from 'dockerode';
import { execa } from 'execa';
import pg from 'pg';
import { stringify } from 'yaml';
import { applyPlan } from '../../apply/index.ts';
import { compileIntents, observeScoped, scopeIntents } from '../../apply/pipeline.ts';
import { resolvePendingSecretNames } from '../../apply/resolve-pending.ts';
import { Fixture } from '../../apply/test/support.ts';
import { startLocalnet, type Localnet } from '../../chain/testing/localnet.ts';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { DATABASE_URL_TARGET } from '../../plan/compile.ts';
import { plan as makePlan, type SecretIntent } from '../../plan/index.ts';
import { createTestDatabase, dropTestDatabase } from '../../store/test/postgres-testbed.ts';
import { startTcpRelay, type TcpRelay } from '../../store/test/tcp-relay.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';
import { waitUntil } from '../../testbed/test-objects.ts';
import { randomHotkey } from '../../weights/collect/test/challenge-server.ts';
import { withProvenance } from '../../weights/provenance.ts';
import { verifyVector } from '../../weights/seal.ts';
import type { SealedVector } from '../../weights/vector.ts';
import { buildMasterImage, isolateMaster } from './swarm-master.ts';

const PORT = 18181;
const endpoints = readTestbedEndpoints();
const base = `http://127.0.0.1:${PORT}`;

/** Answers probes, and get_weights only with its own token (CHALLENGE_SHARED_TOKEN_FILE). */
const CHALLENGE_JS = `
const http = require('http'); const fs = require('fs');
process.on('SIGTERM', () => process.exit(0));
const slug = process.env.BASE_CHALLENGE_SLUG;
const weights = JSON.parse(process.env.TEST_WEIGHTS_JSON || '{}');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/health') return res.end('{"status":"ok"}');
  if (req.url === '/version') return res.end('{"version":"prod-itest-1"}');
  if (req.url !== '/internal/v1/get_weights') { res.statusCode = 404; return res.end(); }
  let token;
  try { token = fs.readFileSync(process.env.CHALLENGE_SHARED_TOKEN_FILE, 'utf8').trim(); } catch (e) { res.statusCode = 500; return res.end(); }
  if (req.headers.authorization !== 'Bearer ' + token) { res.statusCode = 401; return res.end('{"detail":"unauthorized"}'); }
  res.end(JSON.stringify({ challenge_slug: slug, weights }));
}).listen(8000);
`;

let fx: Fixture;
let desiredDir: string | null = null;
let net: Localnet | null = null;
let netuid: number;
let owner: KeyringPair;
let miners: { a: KeyringPair; b: KeyringPair; c: KeyringPair };
const unknownHotkey = randomHotkey();
let database: { name: string; url: string } | null = null;
let pgRelay: TcpRelay | null = null;
let chainRelay: TcpRelay | null = null;
let signingKeySecret: string | null = null;
let masterImage: string;
let challengeImage: string;

async function get(pathname: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${base}${pathname}`, { signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text() };
}

async function runningTaskIds(docker: Docker, service: string): Promise<string[]> {
  const tasks = (await docker.listTasks({ filters: { service: [service], 'desired-state': ['running'] } })) as Array<{ ID: string }>;
  return tasks.map((t) => t.ID).sort();
}

before(async () => {
  fx = await Fixture.create('pms');
  desiredDir = await mkdtemp(path.join(os.tmpdir(), 'base-prod-master-itest-'));
  await chmod(desiredDir, 0o755);
  const images = Promise.all([
    buildMasterImage(endpoints, 'base-test/master-production', '0.0.0-itest'),
    buildTestImage(endpoints, { repository: 'base-test/production-master-challenge', tag: '1.0.0-itest', files: { 'server.js': CHALLENGE_JS } }),
  ]);
  images.catch(() => undefined); // awaited below; a rejection while the chain starts must not go unhandled

  net = await startLocalnet();
  owner = net.pair('//prod-master//owner');
  netuid = await net.registerSubnet(owner);
  miners = { a: net.pair('//prod-master//a'), b: net.pair('//prod-master//b'), c: net.pair('//prod-master//c') };
  for (const miner of [miners.c, miners.a, miners.b]) await net.registerNeuron(netuid, miner);
  await net.setWeightsHyperparameters(netuid, { minAllowedWeights: 2, maxWeightLimit: 40000 });

  database = await createTestDatabase(endpoints.database.url, 'base_prod_master');
  const bridge = endpoints.bridge.address;
  pgRelay = await startTcpRelay({ host: endpoints.database.host, port: endpoints.database.port }, bridge);
  const chain = new URL(net.endpoint);
  chainRelay = await startTcpRelay({ host: chain.hostname, port: Number(chain.port) }, bridge);

  const [master, challenge] = await images;
  masterImage = master;
  challengeImage = challenge.ref;
}, { timeout: 300_000 });

after(async () => {
  const problems: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  if (fx) await attempt('docker objects', () => fx.cleanup());
  if (fx && signingKeySecret) await attempt('signing key secret', () => fx.docker.getSecret(signingKeySecret!).remove());
  await attempt('relays', () => Promise.all([pgRelay?.close(), chainRelay?.close()]));
  await attempt('chain', async () => net?.close());
  if (database) await attempt('database', () => dropTestDatabase(endpoints.database.url, database!.name));
  if (desiredDir) await attempt('desired folder', () => rm(desiredDir!, { recursive: true, force: true }));
  assert.deepEqual(problems, [], 'cleanup');
});

test('a production master on Swarm reads its PostgreSQL URL from the Swarm secret and seals chain-uid weights there', { timeout: 240_000 }, async () => {
  const prefix = fx.prefix;
  const bridge = endpoints.bridge.address;
  const adminToken = randomBytes(24).toString('hex');
  const labels = { 'base.test': prefix };
  await fx.docker.createSecret({ Name: `${prefix}-admin-token`, Labels: labels, Data: Buffer.from(adminToken).toString('base64') } as never);

  // The URL the master gets: the throw-away database through the relay on the bridge. Never printed.
  const secretUrl = new URL(database!.url);
  secretUrl.hostname = bridge;
  secretUrl.port = String(pgRelay!.port);
  const databaseSecret = `${prefix}-database-url`;
  await fx.docker.createSecret({ Name: databaseSecret, Labels: labels, Data: Buffer.from(secretUrl.toString()).toString('base64') } as never);
  const password = decodeURIComponent(secretUrl.password);
  assert.ok(password.length >= 8, 'the test bed database has a password long enough to search for');

  const slugA = fx.slug('a');
  const slugB = fx.slug('b');
  // a (50 %): owner 1, a 1, b 2, unknown 1 → a .1, b .2 (the owner's uid 0 and the unknown hotkey are dropped);
  // b (30 %): a 1, c 3 → a .075, c .225. Miners .6; the rest burns to uid 0.
  const weightsA = { [owner.address]: 1, [miners.a.address]: 1, [miners.b.address]: 2, [unknownHotkey]: 1 };
  const weightsB = { [miners.a.address]: 1, [miners.c.address]: 3 };
  const doc = {
    version: 1,
    subnet: { name: 'prod-itest', netuid, environment: 'production', chain_endpoint: `ws://${bridge}:${chainRelay!.port}`, epoch_interval_seconds: 3600 },
    master: { image: masterImage, port: PORT, admin_token_secret: `${prefix}-admin-token`, database_url_secret: databaseSecret },
    networks: [{ name: fx.network, encrypted: true, mtu: 1450, attachable: true }],
    challenges: [
      { slug: slugA, name: 'Challenge A', image: challengeImage, status: 'active', emission_percent: 50, env: { TEST_WEIGHTS_JSON: JSON.stringify(weightsA) } },
      { slug: slugB, name: 'Challenge B', image: challengeImage, status: 'active', emission_percent: 30, env: { TEST_WEIGHTS_JSON: JSON.stringify(weightsB) } },
    ],
  };
  const desiredFile = path.join(desiredDir!, 'subnet.yaml');
  await writeFile(desiredFile, stringify(doc), { mode: 0o644 });
  await chmod(desiredFile, 0o644);
  const desired = requireValid(parseDesiredState(stringify(doc), desiredFile));
  assert.equal(desired.subnet.environment, 'production');

  // Executor API, as `base apply FILE` runs it: compile (with the socket's group and the state folder's applied
  // desired-state copy mounted into the master) → isolate the master → plan against the scoped live state → apply →
  // record the applied copy.
  const compiled = isolateMaster(await compileIntents(desired, fx.state, true, fx.docker), prefix);
  signingKeySecret = compiled.find((i): i is SecretIntent => i.kind === 'secret' && i.source.type === 'master-signing-key')!.name;
  const scope = { namePrefixes: [...fx.scope.namePrefixes, signingKeySecret] };
  const intents = scopeIntents(compiled, scope);
  const live = await observeScoped(fx.docker, scope);
  const plan = await resolvePendingSecretNames(makePlan(intents.filter((i) => i.kind !== 'node'), live, { revision: 'prod-master-itest' }), fx.state);
  await fx.state.ensureAppliedDesiredStateDir();
  const result = await applyPlan(plan, fx.docker, { state: fx.state, revision: 'prod-master-itest', rollout: { timeoutMs: 120_000, pollMs: 500 } });
  assert.equal(result.outcome, 'succeeded', JSON.stringify(result.objects, null, 2));
  await fx.state.writeAppliedDesiredState(stringify(desired));

  // The compiled master names only the file, and mounts the operator's secret there.
  const masterName = `${prefix}-master`;
  const inspected = (await fx.docker.getService(masterName).inspect()) as { Spec: Docker.ServiceSpec };
  const container = (inspected.Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  assert.ok(container.Env?.includes(`BASE_DATABASE_URL_FILE=${DATABASE_URL_TARGET}`), JSON.stringify(container.Env));
  assert.ok(!container.Env?.some((e) => e.startsWith('BASE_DATABASE_URL=')), 'no URL in env');
  assert.deepEqual(
    container.Secrets?.filter((s) => s.SecretName === databaseSecret).map((s) => s.File?.Name),
    [DATABASE_URL_TARGET],
  );
  assert.ok(container.Env?.includes('BASE_DESIRED_STATE_FILE=/etc/base/desired-state/subnet.yaml'), JSON.stringify(container.Env));
  assert.deepEqual(container.Mounts?.find((m) => m.Target === '/etc/base/desired-state'), { Type: 'bind', Source: fx.state.appliedDesiredStateDir(), Target: '/etc/base/desired-state', ReadOnly: true });

  // The master seals the current epoch as soon as its loop runs: from the chain, collected from both challenges.
  const vector = await waitUntil('the master to serve a sealed vector on /v1/weights/latest', async () => {
    const r = await get('/v1/weights/latest');
    return r.status === 200 ? (JSON.parse(r.body) as SealedVector) : undefined;
  }, 150_000, 1_000).catch(async (error: Error) => {
    const health = await get('/health').then((r) => r.body, (e: Error) => `(no /health: ${e.message})`);
    throw new Error(`${error.message}; /health: ${health}`);
  });

  // The chain's own uids, read independently of the master's metagraph reader.
  const uidOf = async (hotkey: string) => {
    const value = (await net!.api.query.subtensorModule!.uids!(netuid, hotkey)) as unknown as { isSome: boolean; unwrap(): { toNumber(): number } };
    return value.isSome ? value.unwrap().toNumber() : null;
  };
  const uid = { owner: await uidOf(owner.address), a: await uidOf(miners.a.address), b: await uidOf(miners.b.address), c: await uidOf(miners.c.address) };
  assert.equal(uid.owner, 0);
  assert.deepEqual([uid.c, uid.a, uid.b], [1, 2, 3], 'registration order');
  const expected = new Map<number, number>([[0, 0.4], [uid.a!, 0.175], [uid.b!, 0.2], [uid.c!, 0.225]]);
  assert.deepEqual(vector.uids, [...expected.keys()].sort((x, y) => x - y));
  vector.uids.forEach((u, index) => {
    const weight = vector.weights[index]!;
    assert.ok(Math.abs(weight - expected.get(u)!) <= 1e-12, `weight of uid ${u}: ${weight}, expected ${expected.get(u)}`);
  });
  assert.equal(vector.netuid, netuid);
  assert.equal(vector.metagraph.source, 'chain');
  assert.equal(vector.metagraph.hotkey_count, 4, 'owner and three miners');
  assert.equal(vector.metagraph.block_hash, (await net!.api.rpc.chain.getBlockHash(vector.metagraph.block_number!)).toHex());
  assert.deepEqual(vector.source_challenges.map((s) => [s.slug, s.outcome, s.ok]), [[slugA, 'fresh', true], [slugB, 'fresh', true]]);

  // /health: the store is configured and reachable, the loop runs, the seal is recorded; signed with the master's key.
  const health = await waitUntil('/health to show the sealed epoch', async () => {
    const r = await get('/health');
    const body = JSON.parse(r.body) as {
      status: string;
      reasons: string[];
      store: { configured: boolean; available: boolean | null };
      weights: { last_sealed_epoch: number | null } | null;
      weights_loop: { state: string } | null;
      signing_public_key: string | null;
    };
    return body.weights?.last_sealed_epoch === vector.epoch ? { status: r.status, body, text: r.body } : undefined;
  }, 30_000, 1_000);
  assert.equal(health.status, 200);
  assert.deepEqual({ status: health.body.status, reasons: health.body.reasons }, { status: 'ok', reasons: [] }, health.text);
  assert.deepEqual(health.body.store, { ...health.body.store, configured: true, available: true });
  assert.equal(health.body.weights_loop?.state, 'running');
  assert.deepEqual(verifyVector(vector, health.body.signing_public_key!), { ok: true });

  // The row is in the throw-away PostgreSQL database the secret named (read directly, not through the master).
  const client = new pg.Client({ connectionString: database!.url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const rows = (await client.query('SELECT epoch, digest, document FROM sealed_vectors')).rows as Array<{ epoch: string; digest: string; document: unknown }>;
    assert.deepEqual(rows.map((r) => [Number(r.epoch), r.digest]), [[vector.epoch, vector.digest]]);
    assert.deepEqual(withProvenance(rows[0]!.document as SealedVector), vector, 'served: the stored document plus its provenance fields');
  } finally {
    await client.end();
  }

  // The URL (and its password) appears nowhere: the service spec, the public answers, the master's logs.
  const registry = await get('/v1/registry');
  assert.equal(registry.status, 200);
  const serviceInspect = (await execa('docker', ['service', 'inspect', masterName])).stdout;
  const logs = (await execa('docker', ['service', 'logs', '--raw', masterName], { reject: false, all: true })).all ?? '';
  assert.ok(logs.includes('weights-epoch-sealed'), 'the master logged its seal (the logs were read)');
  for (const [where, text] of [['docker service inspect', serviceInspect], ['/health', health.text], ['/v1/registry', registry.body], ['service logs', logs]] as const) {
    assert.ok(!text.includes(password), `${where} carries the database password`);
    assert.ok(!text.includes(secretUrl.toString()) && !text.includes(database!.url), `${where} carries the database URL`);
  }

  // An applied change reaches the running master without a restart or a new image (the next apply replaces the
  // copy; an emission share is a label-only change for the challenge), the registry follows within a probe interval.
  const tasksBefore = await runningTaskIds(fx.docker, masterName);
  const emissionOf = (body: string, slug: string) => (JSON.parse(body) as { challenges: Array<{ slug: string; emission_percent: string }> }).challenges.find((c) => c.slug === slug)?.emission_percent;
  assert.equal(emissionOf(registry.body, slugB), '30');
  const changed = structuredClone(doc);
  changed.challenges[1]!.emission_percent = 45;
  await fx.state.writeAppliedDesiredState(stringify(requireValid(parseDesiredState(stringify(changed), desiredFile))));
  await waitUntil('the registry to show the committed emission share', async () => {
    const r = await get('/v1/registry');
    return r.status === 200 && emissionOf(r.body, slugB) === '45' ? true : undefined;
  }, 60_000, 1_000);
  assert.deepEqual(await runningTaskIds(fx.docker, masterName), tasksBefore, 'the master kept its task');
});
