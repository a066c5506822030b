/**
 * A served vector carries the provenance the reference platform's production validator requires (`vector_id`,
 * `vector_digest`, `protocol_version`), consistent with its seal, and never the partial policy-version fields that
 * would make that validator recompute a digest this project does not produce.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { PROTOCOL_VERSION, PUBLICATION_FIELDS, provenanceProblem, vectorId, withProvenance } from '../provenance.ts';
import { sealVector, vectorDigest, verifyVector } from '../seal.ts';
import type { SealedVector } from '../vector.ts';
import { vectorSchemaProblems } from '../vector-schema.ts';
import { sampleUnsealedVector } from './vector-fixture.ts';

await cryptoWaitReady();
const master = sr25519PairFromSeed(new Uint8Array(32).fill(3));
const sealed = await sealVector(sampleUnsealedVector(4242), master);
const published = (): Record<string, unknown> => JSON.parse(JSON.stringify(withProvenance(sealed))) as Record<string, unknown>;

/**
 * What the reference's production validator (validate_master_weights_payload with require_provenance) asks of the
 * provenance, as facts: vector_id, vector_digest and protocol_version non-empty; chain_domain_bytes, when present, a
 * JSON object whose netuid/uids/weights equal the vector's; and when epoch and all three policy versions are
 * present it recomputes its own digest (which this project's digest never equals). Returns its refusal or null.
 */
function referenceProvenanceRefusal(doc: Record<string, unknown>): string | null {
  if (!doc.vector_id) return 'missing vector_id provenance';
  if (!doc.vector_digest) return 'missing vector_digest provenance';
  if (!String(doc.protocol_version ?? '').trim()) return 'missing protocol_version';
  if (doc.chain_domain_bytes) return 'chain_domain_bytes is served: it must then equal the vector (not checked here)';
  if (doc.epoch !== undefined && doc.emission_policy_version && doc.burn_policy_version && doc.mapping_policy_version) {
    return 'vector_digest does not match recomputed digest';
  }
  return null;
}

test('the served vector has vector_id, vector_digest and protocol_version, and the reference validator accepts its provenance', () => {
  const doc = published();
  assert.equal(doc.vector_digest, sealed.digest);
  assert.equal(doc.vector_id, `100-4242-${sealed.digest.slice(0, 16)}`);
  assert.equal(doc.protocol_version, '1.0');
  assert.equal(referenceProvenanceRefusal(doc), null);
  assert.equal(referenceProvenanceRefusal(sealed as unknown as Record<string, unknown>), 'missing vector_id provenance', 'the stored form lacks it');
});

test('no policy-version field and no chain_domain_bytes is served (no recompute of a digest we do not produce)', () => {
  const doc = published();
  for (const field of ['emission_policy_version', 'burn_policy_version', 'mapping_policy_version', 'chain_domain_bytes', 'source_snapshots', 'revision']) {
    assert.equal(field in doc, false, `${field} is served`);
  }
  assert.deepEqual(Object.keys(doc).filter((k) => !(k in sealed)).sort(), [...PUBLICATION_FIELDS].sort());
});

test('vector_id is stable for one sealed vector and differs for another epoch or content', async () => {
  assert.equal(withProvenance(sealed).vector_id, withProvenance(structuredClone(sealed)).vector_id);
  const other = await sealVector(sampleUnsealedVector(4243), master);
  assert.notEqual(withProvenance(other).vector_id, withProvenance(sealed).vector_id);
  const changed = sampleUnsealedVector(4242);
  changed.desired_state_revision = 'another';
  const resealed = await sealVector(changed, master);
  assert.notEqual(vectorId(resealed), vectorId(sealed), 'same epoch, other content: another id');
});

test('the provenance fields are outside the digest: the published vector verifies and validates against the schema', () => {
  const doc = published();
  assert.equal(vectorDigest(doc), sealed.digest);
  assert.deepEqual(verifyVector(doc, master.publicKey), { ok: true });
  assert.deepEqual(vectorSchemaProblems(doc), []);
  assert.deepEqual(verifyVector(sealed, master.publicKey), { ok: true }, 'a vector without them still verifies');
});

const TAMPERED: Array<[string, (doc: Record<string, unknown>) => void, RegExp]> = [
  ['vector_digest not the digest', (d) => void (d.vector_digest = 'f'.repeat(64)), /vector_digest .* is not the vector's digest/],
  ['vector_id of another epoch', (d) => void (d.vector_id = `100-4241-${sealed.digest.slice(0, 16)}`), /vector_id .* is not 100-4242-/],
  ['protocol_version 2.0', (d) => void (d.protocol_version = '2.0'), /protocol_version "2.0" is not 1.0/],
  ['only vector_id', (d) => void (delete d.vector_digest, delete d.protocol_version), /provenance is partial/],
];

for (const [label, tamper, reason] of TAMPERED) {
  test(`a served vector with ${label} is refused by verifyVector`, () => {
    const doc = published();
    tamper(doc);
    const result = verifyVector(doc, master.publicKey);
    assert.equal(result.ok, false);
    assert.match((result as { reason: string }).reason, reason);
    assert.notEqual(provenanceProblem(doc), null);
  });
}

test('the schema refuses partial provenance and a foreign protocol_version', () => {
  const partial = published();
  delete partial.protocol_version;
  assert.notDeepEqual(vectorSchemaProblems(partial), []);
  const foreign = published();
  foreign.protocol_version = '2.0';
  assert.notDeepEqual(vectorSchemaProblems(foreign), []);
});

test('sealing refuses a document that already carries provenance fields', async () => {
  const unsealed = { ...sampleUnsealedVector(4242), vector_id: 'x' } as unknown as Parameters<typeof sealVector>[0];
  await assert.rejects(sealVector(unsealed, master), /already has a "vector_id" field/);
});

test('withProvenance does not modify the stored vector', () => {
  const copy: SealedVector = structuredClone(sealed);
  withProvenance(copy);
  assert.deepEqual(copy, sealed);
  assert.equal(PROTOCOL_VERSION, '1.0');
});
