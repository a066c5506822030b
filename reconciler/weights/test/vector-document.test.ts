import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { aggregateChallengeWeights } from '../aggregate.ts';
import { sealVector } from '../seal.ts';
import { buildVector } from '../vector.ts';
import type { BuildVectorInput } from '../vector.ts';
import { vectorSchemaProblems } from '../vector-schema.ts';
import { hotkeyToUidDigest } from '../epoch-inputs.ts';
import { SAMPLE_METAGRAPH, sampleUnsealedVector } from './vector-fixture.ts';

await cryptoWaitReady();
const master = sr25519PairFromSeed(new Uint8Array(32).fill(3));

test('a built and sealed vector validates against schemas/weights-vector.schema.json', async () => {
  const sealed = await sealVector(sampleUnsealedVector(), master);
  assert.deepEqual(vectorSchemaProblems(JSON.parse(JSON.stringify(sealed))), []);
});

test('the zero-miner vector validates too', async () => {
  const aggregation = aggregateChallengeWeights([], { owner: 0, a: 4, b: 2 }, { minAllowedWeights: 3 });
  const sealed = await sealVector(
    buildVector({ ...baseInput(), aggregation, options: { minAllowedWeights: 3 }, sources: [] }),
    master,
  );
  assert.deepEqual(sealed.uids, [0, 2, 4]);
  assert.equal(sealed.aggregation.zero_miner_fallback, true);
  assert.deepEqual(sealed.hotkey_weights, {});
  assert.deepEqual(vectorSchemaProblems(sealed), []);
});

test('carries the reference master fields with their meaning, plus provenance', () => {
  const v = sampleUnsealedVector(4242);
  assert.equal(v.format_version, 2);
  assert.equal(v.epoch, 4242);
  assert.deepEqual(v.uids, [0, 1, 2, 7, 9]);
  assert.deepEqual(v.weights_u16, { uids: [0, 1, 2, 7, 9], weights: [65535, 42130, 32768, 9362, 37449] });
  assert.equal(v.computed_at, '2026-11-22T02:24:00.000Z');
  assert.equal(v.expires_at, '2026-11-22T02:36:00.000Z'); // 720 s later by default
  assert.equal(v.metagraph_updated_at, '2026-11-22T02:00:00.000Z');
  assert.deepEqual(
    v.source_challenges.map((s) => [s.slug, s.ok, s.error, s.outcome, s.carried_from_epoch]),
    [
      ['prism', true, null, 'fresh', null],
      ['agents', true, null, 'fresh', null],
      ['term', true, null, 'carried', 4241],
      ['gone', false, 'HTTP 503 (3 attempts)', 'failed', null],
    ],
  );
  assert.equal(v.source_challenges[3]?.snapshot_digest, null);
  assert.deepEqual(v.metagraph, {
    source: 'chain',
    block_number: 5123456,
    block_hash: `0x${'ab'.repeat(32)}`,
    hotkey_count: 5,
    hotkey_to_uid_digest: hotkeyToUidDigest(SAMPLE_METAGRAPH),
  });
  assert.equal(v.previous_epoch, null, 'the first vector starts the chain');
  assert.equal(v.previous_digest, null);
});

test('the schema rejects what a validator must not accept', async () => {
  const sealed = JSON.parse(JSON.stringify(await sealVector(sampleUnsealedVector(), master)));
  const broken: Array<[string, (v: any) => void, RegExp]> = [
    ['missing epoch', (v) => delete v.epoch, /must have required property 'epoch'/],
    ['fractional u16', (v) => (v.weights_u16.weights[0] = 1.5), /\/weights_u16\/weights\/0: must be integer/],
    ['bad timestamp', (v) => (v.expires_at = 'tomorrow'), /\/expires_at: must match format "date-time"/],
    ['failed source with ok=true', (v) => (v.source_challenges[3].ok = true), /\/source_challenges\/3\/ok: must be equal to constant/],
    ['unknown field', (v) => (v.surprise = 1), /must NOT have additional properties/],
    ['bad signature', (v) => (v.signature = '0x12'), /\/signature: must match pattern/],
  ];
  for (const [what, mutate, message] of broken) {
    const copy = structuredClone(sealed);
    mutate(copy);
    assert.match(vectorSchemaProblems(copy).join('\n'), message, what);
  }
});

test('buildVector refuses inconsistent provenance', () => {
  const input = baseInput();
  assert.throws(
    () => buildVector({ ...input, sources: [{ slug: 'x', emissionPercent: 1, outcome: { kind: 'carried', fromEpoch: 10, reason: 'timeout' }, snapshotDigest: 'a'.repeat(64), hotkeyCount: 1 }] }),
    /carried from epoch 10; expected an epoch before 10/,
  );
  assert.throws(
    () => buildVector({ ...input, sources: [{ slug: 'x', emissionPercent: 1, outcome: { kind: 'fresh' }, snapshotDigest: null, hotkeyCount: 1 }] }),
    /is fresh but its snapshot digest is null/,
  );
  const fresh = { slug: 'x', emissionPercent: 1, outcome: { kind: 'fresh' as const }, snapshotDigest: 'a'.repeat(64), hotkeyCount: 1 };
  assert.throws(() => buildVector({ ...input, sources: [fresh, fresh] }), /source "x" appears twice/);
  assert.throws(() => buildVector({ ...input, epoch: -1 }), /epoch is -1/);
  assert.equal(buildVector({ ...input, expiresAfterSeconds: 60 }).expires_at, '2026-11-22T00:01:00.000Z');
});

function baseInput(): BuildVectorInput {
  return {
    netuid: 7,
    chainEndpoint: 'ws://127.0.0.1:9944',
    epoch: 10,
    aggregation: aggregateChallengeWeights([{ slug: 'x', emission_percent: 100, weights: { a: 1 } }], { a: 1 }),
    options: {},
    sources: [],
    metagraph: { source: 'static', blockNumber: null, blockHash: null, hotkeyCount: 1, updatedAt: new Date('2026-11-22T00:00:00Z') },
    desiredStateRevision: null,
    computedAt: new Date('2026-11-22T00:00:00Z'),
  };
}
