// A master serves each vector with the reference platform's provenance fields (vector_id, vector_digest,
// protocol_version); the submitter takes such a vector to the chain exactly like one without them, and refuses one
// whose provenance disagrees with its seal before the chain is consulted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withProvenance } from '../../reconciler/weights/index.ts';
import { checkVector } from '../verify-vector.ts';
import { masterKey, sealedVector } from './helpers.ts';

const NOW = new Date('2026-11-22T03:00:00Z');
const miners = { validator: 0, hkA: 1, hkB: 2 };
const expect = { netuid: 2, masterPublicKey: masterKey.publicKey, freshnessMs: 300_000, clockSkewMs: 5_000, now: NOW };

test('a vector served with provenance passes every check, with the same digest as without', async () => {
  const sealed = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: new Date(NOW.getTime() - 60_000) });
  const served = JSON.parse(JSON.stringify(withProvenance(sealed))) as unknown;
  const result = checkVector(served, expect);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(checkVector(JSON.parse(JSON.stringify(sealed)), expect).ok, true, 'an older master without provenance still works');
});

test('a vector whose vector_digest is not its digest is refused as a bad seal', async () => {
  const sealed = await sealedVector({ netuid: 2, hotkeyToUid: miners, computedAt: new Date(NOW.getTime() - 60_000) });
  const served = JSON.parse(JSON.stringify(withProvenance(sealed))) as Record<string, unknown>;
  served.vector_digest = '0'.repeat(64);
  const result = checkVector(served, expect);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.refusal, 'seal');
  assert.match(!result.ok ? result.message : '', /vector_digest/);
});
