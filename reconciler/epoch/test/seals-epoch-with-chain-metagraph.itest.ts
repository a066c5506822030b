/**
 * The master's production weights path against the real subtensor runtime: `startWeightsLoop` (what `base serve`
 * runs) with `environment: production` and `chain_endpoint` pointing at a chopsticks localnet, so the loop reads the
 * metagraph through connectSubtensor → chainMetagraphCache → chainMetagraphSource, collects two local challenge
 * servers (bearer token checked) and seals into PostgreSQL (production refuses SQLite; a throw-away database on the
 * test bed's server, dropped at the end).
 *
 * Needs the test bed's PostgreSQL (`deploy/testbed/testbed.sh up`); the chain is started here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { stringify } from 'yaml';
import { startLocalnet, type Localnet } from '../../chain/testing/localnet.ts';
import { DesiredSource } from '../../master/desired-source.ts';
import { startWeightsLoop } from '../../master/serve-weights-loop.ts';
import { openStore } from '../../store/index.ts';
import { createTestDatabase, dropTestDatabase } from '../../store/test/postgres-testbed.ts';
import { testbedEndpointsPath } from '../../testbed/endpoints.ts';
import { randomHotkey, startChallengeServer, type TestChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import { verifyVector } from '../../weights/seal.ts';
import { loadSigningKey } from '../../weights/signing-key.ts';
import type { SealedVector } from '../../weights/vector.ts';
import type { WeightsEvent } from '../index.ts';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ALPHA = 'alpha';
const BETA = 'beta';

let net: Localnet;
let netuid: number;
let owner: KeyringPair;
let miners: { a: KeyringPair; b: KeyringPair; c: KeyringPair };
const unknownHotkey = randomHotkey();
let dir: string;
let database: { name: string; url: string } | null = null;
const servers = new Map<string, TestChallengeServer>();
const tokens = new Map([ALPHA, BETA].map((slug) => [slug, randomBytes(16).toString('hex')]));
/** Hotkeys each challenge scores (set once the miners exist). */
const answers = new Map<string, Record<string, number>>();

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'base-chain-epoch-'));
  net = await startLocalnet();
  owner = net.pair('//chain-epoch//owner');
  netuid = await net.registerSubnet(owner);
  miners = { a: net.pair('//chain-epoch//a'), b: net.pair('//chain-epoch//b'), c: net.pair('//chain-epoch//c') };
  // Registered c, a, b: a uid is the registration order, not the order the challenges list the hotkeys in.
  for (const miner of [miners.c, miners.a, miners.b]) await net.registerNeuron(netuid, miner);
  await net.setWeightsHyperparameters(netuid, { minAllowedWeights: 2, maxWeightLimit: 40000 });

  answers.set(ALPHA, { [owner.address]: 1, [miners.a.address]: 1, [miners.b.address]: 2, [unknownHotkey]: 1 });
  answers.set(BETA, { [miners.a.address]: 1, [miners.c.address]: 3 });
  for (const slug of [ALPHA, BETA]) {
    servers.set(
      slug,
      await startChallengeServer((req, res) => {
        if (req.url !== '/internal/v1/get_weights') {
          res.statusCode = 404;
          return void res.end();
        }
        if (req.headers.authorization !== `Bearer ${tokens.get(slug)}`) {
          res.statusCode = 401;
          return void res.end('{"detail":"unauthorized"}');
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ challenge_slug: slug, weights: answers.get(slug) }));
      }),
    );
  }
  // A throw-away database: the production store must be PostgreSQL.
  database = await createTestDatabase(await testbedDatabaseUrl(), 'base_chain_epoch');
}, { timeout: 240_000 });

after(async () => {
  await Promise.all([...servers.values()].map((server) => server.close()));
  await net?.close();
  if (database) await dropTestDatabase(await testbedDatabaseUrl(), database.name);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the production loop seals an epoch with the chain uids of the scored hotkeys, at a real block, signed', async () => {
  const tokensDir = path.join(dir, 'tokens');
  await mkdir(tokensDir, { mode: 0o700 });
  for (const [slug, token] of tokens) await writeFile(path.join(tokensDir, slug), `${token}\n`, { mode: 0o400 });
  const signingKeyFile = path.join(dir, 'signing.seed');
  await writeFile(signingKeyFile, `${u8aToHex(randomBytes(32))}\n`, { mode: 0o600 });
  const publicKey = (await loadSigningKey(signingKeyFile)).publicKey;
  const desiredFile = path.join(dir, 'subnet.yaml');
  await writeFile(desiredFile, productionSubnetYaml(net.endpoint, netuid));
  const desired = new DesiredSource(desiredFile);
  await desired.reload();
  assert.equal(desired.current().state?.subnet.environment, 'production', desired.current().error ?? '');

  const events: WeightsEvent[] = [];
  let onSealed: (vector: WeightsEvent) => void = () => undefined;
  const sealed = new Promise<WeightsEvent>((resolve) => (onSealed = resolve));
  const started = await startWeightsLoop({
    desired,
    tokensDir,
    signingKeyFile,
    storeUrl: database!.url,
    stateDir: null,
    upstreams: new Map([...servers].map(([slug, server]) => [slug, server.origin])),
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'epoch-sealed' || event.type === 'epoch-failed') onSealed(event);
    },
  });
  if ('skipped' in started) assert.fail(`the loop did not start: ${started.skipped}`);
  const { loop } = started;
  let vector: SealedVector;
  try {
    const outcome = await withTimeout(sealed, 60_000, () => `no epoch sealed within 60 s; events: ${JSON.stringify(events)}`);
    assert.equal(outcome.type, 'epoch-sealed', JSON.stringify(outcome));
    vector = loop.latest()!;
    assert.ok(vector, 'the sealed vector is served');
  } finally {
    await started.stop();
  }
  const store = await openStore({ url: database!.url, environment: 'production' });
  try {
    const stored = await store.vectorAt<SealedVector>(vector.epoch);
    assert.deepEqual(stored?.document, vector, 'the PostgreSQL store holds the served vector');
  } finally {
    await store.close();
  }

  // The chain's own answer, read independently of the metagraph reader: `uids(netuid, hotkey)` and `keys` entries.
  const uidOf = async (hotkey: string) => {
    const value = (await net.api.query.subtensorModule!.uids!(netuid, hotkey)) as unknown as { isSome: boolean; unwrap(): { toNumber(): number } };
    return value.isSome ? value.unwrap().toNumber() : null;
  };
  const chainUid = { owner: await uidOf(owner.address), a: await uidOf(miners.a.address), b: await uidOf(miners.b.address), c: await uidOf(miners.c.address) };
  assert.equal(chainUid.owner, 0, 'the localnet gives the subnet owner uid 0');
  assert.equal(await uidOf(unknownHotkey), null);
  const keys = await net.api.query.subtensorModule!.keys!.entries(netuid);
  const keysByUid = new Map(keys.map(([key, hotkey]) => [Number(key.args[1]!.toString()), hotkey.toString()]));
  assert.equal(keysByUid.get(chainUid.a!), miners.a.address);
  assert.equal(keysByUid.get(chainUid.b!), miners.b.address);
  assert.equal(keysByUid.get(chainUid.c!), miners.c.address);
  assert.deepEqual([chainUid.c, chainUid.a, chainUid.b], [1, 2, 3], 'registration order');

  // alpha (50 %): owner 1, a 1, b 2, unknown 1 → a .1, b .2 (owner on uid 0 and the unknown hotkey are dropped);
  // beta (30 %): a 1, c 3 → a .075, c .225. Miners .6; burn .4 to uid 0.
  const expected = new Map<number, number>([[0, 0.4], [chainUid.a!, 0.175], [chainUid.b!, 0.2], [chainUid.c!, 0.225]]);
  const expectedUids = [...expected.keys()].sort((x, y) => x - y);
  assert.deepEqual(vector.uids, expectedUids);
  vector.uids.forEach((uid, index) => assertClose(vector.weights[index]!, expected.get(uid)!, `weight of uid ${uid}`));
  assert.deepEqual(Object.keys(vector.hotkey_weights).sort(), [miners.a.address, miners.b.address, miners.c.address].sort());
  assertClose(vector.hotkey_weights[miners.a.address]!, 0.175, 'hotkey weight of a');
  assertClose(vector.hotkey_weights[miners.b.address]!, 0.2, 'hotkey weight of b');
  assertClose(vector.hotkey_weights[miners.c.address]!, 0.225, 'hotkey weight of c');
  assert.deepEqual(vector.weights_u16.uids, expectedUids);

  assert.equal(vector.netuid, netuid);
  assert.equal(vector.chain_endpoint, net.endpoint);
  assert.deepEqual(
    vector.source_challenges.map((s) => [s.slug, s.outcome, s.ok]),
    [[ALPHA, 'fresh', true], [BETA, 'fresh', true]],
  );
  assert.deepEqual(vector.aggregation, { min_allowed_weights: 2, max_weight_limit: 40000, zero_miner_fallback: false });

  // The metagraph block is a real block of the localnet: its hash at that number is the one recorded, and with no
  // block built since the set-up it is the best block.
  assert.equal(vector.metagraph.source, 'chain');
  assert.equal(vector.metagraph.hotkey_count, 4, 'owner and three miners');
  const blockNumber = vector.metagraph.block_number!;
  const hashAtNumber = (await net.api.rpc.chain.getBlockHash(blockNumber)).toHex();
  assert.equal(vector.metagraph.block_hash, hashAtNumber);
  assert.deepEqual({ number: blockNumber, hash: vector.metagraph.block_hash }, await net.bestBlock());

  assert.deepEqual(verifyVector(vector, publicKey), { ok: true });
  const tampered = structuredClone(vector);
  tampered.metagraph.block_number = blockNumber - 1;
  assert.equal(verifyVector(tampered, publicKey).ok, false, 'a changed block number breaks the seal');

  for (const [slug, server] of servers) {
    assert.ok(
      server.requests.some((r) => r.path === '/internal/v1/get_weights' && r.authorization === `Bearer ${tokens.get(slug)}` && r.slug === slug),
      `${slug} was asked with its own token`,
    );
  }
});

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual}, expected ${expected}`);
}

function productionSubnetYaml(chainEndpoint: string, id: number): string {
  return stringify({
    version: 1,
    subnet: { name: 'chain-epoch', netuid: id, environment: 'production', chain_endpoint: chainEndpoint, epoch_interval_seconds: 3600 },
    master: { image: `127.0.0.1:5000/base/master:1.0.0@${DIGEST}`, database_url_secret: 'base-database-url' },
    networks: [{ name: 'chain-epoch-net', encrypted: true }],
    challenges: [
      { slug: ALPHA, name: ALPHA, image: `127.0.0.1:5000/c-alpha:1.0.0@${DIGEST}`, status: 'active', emission_percent: 50 },
      { slug: BETA, name: BETA, image: `127.0.0.1:5000/c-beta:1.0.0@${DIGEST}`, status: 'active', emission_percent: 30 },
    ],
  });
}

/**
 * The test bed's database URL (carries the password: never printed). Only `database.url` is read, not the whole
 * endpoints file through readTestbedEndpoints(), which also insists on a joined worker this test does not use.
 */
async function testbedDatabaseUrl(): Promise<string> {
  const file = testbedEndpointsPath();
  const url = (JSON.parse(await readFile(file, 'utf8')) as { database?: { url?: unknown } }).database?.url;
  if (typeof url !== 'string' || url === '') throw new Error(`${file}: no database.url; run deploy/testbed/testbed.sh up`);
  return url;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
