/**
 * End to end on the test bed: two challenge services deployed by the reconciler's executor answer with their own
 * tokens; the epoch loop seals three epochs (one skipped: a gap) from their real answers into the test bed's
 * PostgreSQL (the production store, with epoch_inputs); a master serves them from that store, and the CLI
 * `base weights verify` recomputes every epoch and walks the chain. Then one digit of a stored raw answer is changed
 * in PostgreSQL, and verify names that challenge's weights and exits 1.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import pg from 'pg';
import { Fixture } from '../../apply/test/support.ts';
import { loadDesiredState, requireValid } from '../../desired-state/index.ts';
import { epochOf } from '../../epoch/epoch-clock.ts';
import { epochLoopConfig, masterSigningKeyPath } from '../../epoch/from-desired-state.ts';
import { staticMetagraphSource } from '../../epoch/metagraph-source.ts';
import { deployScoringChallenges } from '../../epoch/test/deployed-challenges.ts';
import { WeightsEpochLoop } from '../../epoch/weights-epoch-loop.ts';
import { storeWeightsReader } from '../../master/store-weights-reader.ts';
import { startTestMaster, type TestMaster } from '../../master/test/support.ts';
import { PostgresStore, type ControlPlaneStore } from '../../store/index.ts';
import { dropSchema, testbedDatabaseUrl, uniqueSchema } from '../../store/test/postgres-testbed.ts';
import { stateDirTokens } from '../../weights/collect/index.ts';
import { randomHotkey } from '../../weights/collect/test/challenge-server.ts';
import { loadSigningKey } from '../../weights/signing-key.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const hotkeys = Array.from({ length: 5 }, randomHotkey);
const metagraph = Object.fromEntries(hotkeys.map((h, i) => [h, i + 1]));
const weightsA = Object.fromEntries(hotkeys.map((h, i) => [h, i + 1]));
const weightsB = { [hotkeys[0]!]: 3, [hotkeys[4]!]: 1, [randomHotkey()]: 7 };

let fx: Fixture;
let store: ControlPlaneStore;
let master: TestMaster;
let schema: string;
let origins: Map<string, string>;

before(async () => {
  fx = await Fixture.create('aud');
  origins = await deployScoringChallenges(fx, [
    { name: 'a', emission_percent: 50, weights: weightsA },
    { name: 'b', emission_percent: 30, weights: weightsB },
  ]);
  schema = uniqueSchema();
  store = await PostgresStore.open({ url: testbedDatabaseUrl(), schema });
});

after(async () => {
  await master?.close();
  await store?.close();
  if (schema) await dropSchema(testbedDatabaseUrl(), schema).catch(() => undefined);
  await fx?.cleanup();
});

async function verifyCli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'weights', 'verify', '--master', master.url, ...args], { encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('epochs sealed from deployed challenges into PostgreSQL verify with base weights verify; a changed raw answer is named', { timeout: 180_000 }, async () => {
  await fx.state.ensureMasterSigningKey();
  const keypair = await loadSigningKey(masterSigningKeyPath(fx.state));
  const config = epochLoopConfig(requireValid(await loadDesiredState(fx.file)), 'itest');
  const tokens = stateDirTokens(fx.state);
  const loop = new WeightsEpochLoop({
    store,
    keypair,
    metagraph: staticMetagraphSource(metagraph),
    config: () => config,
    tokens: async (slug) => tokens(slug),
    originFor: ({ slug }) => origins.get(slug)!,
    fetch: { timeoutMs: 5_000, minBackoffMs: 200 },
    retry: { minMs: 200, maxMs: 1_000 },
  });
  const epoch = epochOf(new Date(), config.epochIntervalSeconds);
  for (const e of [epoch, epoch + 1, epoch + 3]) {
    const result = await loop.runEpoch(e, { retryUntil: new Date(Date.now() + 60_000) });
    assert.equal(result.status, 'sealed', JSON.stringify(result));
  }
  const reader = storeWeightsReader(() => store);
  await reader.refresh();
  master = await startTestMaster({ weights: reader });
  const key = ['--public-key', u8aToHex(keypair.publicKey)];

  const run = await verifyCli(...key);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0]!, new RegExp(`^epoch ${epoch} [0-9a-f]{12}: verified \\(start of the chain\\)$`));
  assert.match(lines[1]!, new RegExp(`^epoch ${epoch + 1} [0-9a-f]{12}: verified$`));
  assert.equal(lines[2], `epochs ${epoch + 2}..${epoch + 2}: never sealed (gap before epoch ${epoch + 3})`);
  assert.match(lines[3]!, new RegExp(`^epoch ${epoch + 3} [0-9a-f]{12}: verified$`));
  const summary = JSON.parse(lines.at(-1)!);
  assert.deepEqual([summary.ok, summary.verified, summary.epochs, summary.signer.from], [true, 3, 3, 'option']);

  // One digit of a stored raw answer, changed in PostgreSQL.
  const client = new pg.Client({ connectionString: testbedDatabaseUrl() });
  await client.connect();
  try {
    const slugA = fx.slug('a');
    const { rowCount } = await client.query(
      `UPDATE "${schema}".epoch_inputs SET document = jsonb_set(document::jsonb, '{challenge_results,0,weights,${hotkeys[1]}}', '3')::json
       WHERE epoch = $1 AND document::jsonb #>> '{challenge_results,0,slug}' = $2`,
      [epoch + 1, slugA],
    );
    assert.equal(rowCount, 1);
    const bad = await verifyCli(...key);
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stdout, new RegExp(`^epoch ${epoch + 1} [0-9a-f]{12}: mismatch in inputs\\.challenge_results\\[0\\]\\.weights \\(${slugA}\\): the raw answer hashes to`, 'm'));
  } finally {
    await client.end();
  }
});
