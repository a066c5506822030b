// verify: recompute: the submitter replays the epoch from the master's published inputs (the check base weights
// verify runs) and sends nothing when they give another vector or cannot be had; off by default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vectorFromEpochInputs, type EpochInputs } from '../../reconciler/weights/epoch-inputs.ts';
import { sealVector, type SealedVector } from '../../reconciler/weights/index.ts';
import { normalizeRawWeights, snapshotDigest } from '../../reconciler/weights/snapshot-digest.ts';
import { ConfigError, parseSubmitterConfig } from '../config.ts';
import { FetchVectorError, type FetchedVector } from '../fetch-vector.ts';
import { Ledger } from '../ledger.ts';
import { inputsUrlFor } from '../recompute.ts';
import { runRound } from '../round.ts';
import { masterKey, rawConfig, RecordingChain, tempDir, testConfig } from './helpers.ts';

const HOTKEY = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const EPOCH = 4242;

function inputs(options: { betaPublished?: boolean } = {}): EpochInputs {
  const source = (slug: string, emission: number, weights: Record<string, number>, published = true) => ({
    slug,
    emission_percent: emission,
    ok: true,
    error: null,
    outcome: 'fresh' as const,
    carried_from_epoch: null,
    reason: null,
    snapshot_digest: snapshotDigest(normalizeRawWeights(weights)),
    hotkey_count: Object.keys(weights).length,
    raw_scores_published: published,
    weights,
  });
  return {
    format_version: 1,
    epoch: EPOCH,
    challenge_results: [source('alpha', 60, { a: 1, b: 2, c: 3 }), source('beta', 30, { a: 5, c: 1 }, options.betaPublished ?? true)],
    hotkey_to_uid: { v: 0, a: 1, b: 2, c: 3 },
    kwargs: { min_allowed_weights: 0, max_weight_limit: 1 },
    metagraph: { source: 'chain', block_number: 10, block_hash: `0x${'ab'.repeat(32)}` },
  };
}

async function sealFrom(epochInputs: EpochInputs): Promise<SealedVector> {
  const unsealed = vectorFromEpochInputs(epochInputs, {
    netuid: 2,
    chainEndpoint: 'ws://127.0.0.1:9944',
    desiredStateRevision: 'abc',
    computedAt: new Date(),
    metagraphUpdatedAt: new Date(),
    previous: null,
  });
  return sealVector(unsealed, masterKey);
}

/** The published form: what GET /v1/weights/{epoch}/inputs returns (opted-out raw answers left out). */
function published(epochInputs: EpochInputs): unknown {
  const copy = structuredClone(epochInputs) as EpochInputs;
  for (const source of copy.challenge_results) if (!source.raw_scores_published) delete source.weights;
  return copy;
}

async function round(options: { verify?: string; vector: SealedVector; inputs: () => Promise<FetchedVector> }) {
  const work = tempDir('recompute');
  try {
    const config = testConfig(work.dir, options.verify ? { verify: options.verify } : {});
    const chain = new RecordingChain();
    const asked: number[] = [];
    const report = await runRound({
      config,
      hotkey: HOTKEY,
      ledger: Ledger.open(config.stateDir),
      chain,
      fetchVector: async () => ({ body: JSON.parse(JSON.stringify(options.vector)), attempts: 1 }),
      fetchInputs: async (epoch) => {
        asked.push(epoch);
        return options.inputs();
      },
    });
    return { report, chain, asked };
  } finally {
    work.remove();
  }
}

test('with verify: recompute, a vector its published inputs reproduce is submitted, and the round says so', async () => {
  const honest = inputs();
  const { report, chain, asked } = await round({ verify: 'recompute', vector: await sealFrom(honest), inputs: async () => ({ body: published(honest), attempts: 1 }) });
  assert.equal(report.outcome, 'submitted', report.reason);
  assert.deepEqual(asked, [EPOCH]);
  assert.deepEqual(report.recompute, { status: 'verified', unverifiable: [] });
  assert.equal(chain.submissions.length, 1);
});

test('a changed raw answer in the published inputs is refused as recompute_mismatch, naming the challenge; the chain is never asked', async () => {
  const honest = inputs();
  const tampered = published(honest) as EpochInputs;
  (tampered.challenge_results[1]!.weights as Record<string, number>).c = 2;
  const { report, chain } = await round({ verify: 'recompute', vector: await sealFrom(honest), inputs: async () => ({ body: tampered, attempts: 1 }) });
  assert.equal(report.outcome, 'refused');
  assert.equal(report.refusal, 'recompute_mismatch');
  assert.match(report.reason!, new RegExp(`^recomputing epoch ${EPOCH} from its published inputs gives another vector: inputs\\.challenge_results\\[1\\]\\.weights \\(beta\\): `));
  assert.equal(chain.touched, false);
});

test('a vector the master sealed from other scores than it publishes is refused', async () => {
  const other = inputs();
  other.challenge_results[0]!.weights = { a: 3, b: 2, c: 1 };
  other.challenge_results[0]!.snapshot_digest = snapshotDigest({ a: 3, b: 2, c: 1 });
  const { report, chain } = await round({ verify: 'recompute', vector: await sealFrom(other), inputs: async () => ({ body: published(inputs()), attempts: 1 }) });
  assert.equal(report.refusal, 'recompute_mismatch');
  assert.equal(chain.touched, false);
});

test('inputs that cannot be fetched submit nothing (fetch_failed, retried next round)', async () => {
  const honest = inputs();
  const { report, chain } = await round({
    verify: 'recompute',
    vector: await sealFrom(honest),
    inputs: async () => {
      throw new FetchVectorError('GET http://127.0.0.1:9/v1/weights/4242/inputs failed after 1 attempt(s): HTTP 404 Not Found', 1);
    },
  });
  assert.equal(report.outcome, 'fetch_failed');
  assert.match(report.reason!, /^verify: recompute needs the epoch's published inputs: GET .*HTTP 404/);
  assert.equal(chain.touched, false);
});

test('a challenge that opted out of publishing is reported as unverifiable, and the vector still goes on chain', async () => {
  const optedOut = inputs({ betaPublished: false });
  const { report, chain } = await round({ verify: 'recompute', vector: await sealFrom(optedOut), inputs: async () => ({ body: published(optedOut), attempts: 1 }) });
  assert.equal(report.outcome, 'submitted', report.reason);
  assert.deepEqual(report.recompute, { status: 'unverifiable', unverifiable: ['source_challenges[beta]: raw scores not published (publish_raw_scores: false)'] });
  assert.equal(chain.submissions.length, 1);
});

test('off by default: the inputs are not fetched', async () => {
  const honest = inputs();
  const { report, asked } = await round({ vector: await sealFrom(honest), inputs: async () => ({ body: null, attempts: 1 }) });
  assert.equal(report.outcome, 'submitted');
  assert.deepEqual(asked, []);
  assert.equal(report.recompute, undefined);
});

test('the inputs URL is the weights URL\'s sibling for the epoch; an unknown verify mode is a config error naming the field', () => {
  assert.equal(inputsUrlFor('https://master.example.org/v1/weights/latest', 12), 'https://master.example.org/v1/weights/12/inputs');
  assert.equal(inputsUrlFor('https://u:p@m.example/base/v1/weights/latest?x=1', 3), 'https://u:p@m.example/base/v1/weights/3/inputs');
  const work = tempDir('recompute-config');
  try {
    assert.throws(() => parseSubmitterConfig(rawConfig(work.dir, { verify: 'always' }), 'submitter.yaml'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /verify: found "always"; expected one of signature, recompute/);
      return true;
    });
  } finally {
    work.remove();
  }
});
