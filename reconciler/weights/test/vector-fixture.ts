import { aggregateChallengeWeights } from '../aggregate.ts';
import { hotkeyToUidDigest } from '../epoch-inputs.ts';
import { buildVector } from '../vector.ts';
import type { UnsealedVector } from '../vector.ts';

export const SAMPLE_METAGRAPH = { hkA: 1, hkB: 2, hkC: 7, hkD: 9, validator: 0 };

/** A realistic unsealed vector (two fresh challenges, one carried, one failed) for seal and schema tests. */
export function sampleUnsealedVector(epoch = 4242): UnsealedVector {
  const aggregation = aggregateChallengeWeights(
    [
      { slug: 'prism', emission_percent: 30, weights: { hkA: 3, hkB: 1 }, ok: true },
      { slug: 'agents', emission_percent: 15, weights: { hkB: 1, hkC: 0.5 }, ok: true },
      { slug: 'term', emission_percent: 20, weights: { hkD: 1 }, ok: true },
      { slug: 'gone', emission_percent: 35, weights: {}, ok: false },
    ],
    SAMPLE_METAGRAPH,
  );
  return buildVector({
    netuid: 100,
    chainEndpoint: 'wss://entrypoint-finney.opentensor.ai:443',
    epoch,
    aggregation,
    options: {},
    sources: [
      { slug: 'prism', emissionPercent: 30, outcome: { kind: 'fresh' }, snapshotDigest: 'a'.repeat(64), hotkeyCount: 2 },
      { slug: 'agents', emissionPercent: 15, outcome: { kind: 'fresh' }, snapshotDigest: 'b'.repeat(64), hotkeyCount: 2 },
      {
        slug: 'term',
        emissionPercent: 20,
        outcome: { kind: 'carried', fromEpoch: epoch - 1, reason: 'timeout after 10000 ms (3 attempts)' },
        snapshotDigest: 'c'.repeat(64),
        hotkeyCount: 1,
      },
      { slug: 'gone', emissionPercent: 35, outcome: { kind: 'failed', reason: 'HTTP 503 (3 attempts)' }, snapshotDigest: null, hotkeyCount: 0 },
    ],
    metagraph: { source: 'chain', blockNumber: 5_123_456, blockHash: `0x${'ab'.repeat(32)}`, hotkeyCount: 5, hotkeyToUidDigest: hotkeyToUidDigest(SAMPLE_METAGRAPH), updatedAt: new Date('2026-11-22T02:00:00Z') },
    desiredStateRevision: '3f2c1e0b9a8d7c6b5a4f3e2d1c0b9a8d7c6b5a4f',
    computedAt: new Date('2026-11-22T02:24:00.000Z'),
  });
}
