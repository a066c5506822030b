/**
 * The provenance fields the reference platform's validators read (`vector_id`, `vector_digest`, `protocol_version`),
 * added to a sealed vector when it is served. They are derived from the sealed content alone, so they need no seal
 * of their own: the digest does not cover them (like `digest` itself), and `verifyVector` refuses a vector whose
 * provenance fields disagree with its content. A vector without them (as stored, or served by an older master)
 * still verifies.
 *
 * Deliberately not served: the reference's policy-version fields (`emission_policy_version`, `burn_policy_version`,
 * `mapping_policy_version`) and `chain_domain_bytes`. With all policy versions present a reference validator
 * recomputes its own digest algorithm over fields this project does not have, and refuses the vector.
 */
import type { SealedVector } from './vector.ts';

/** The reference wire protocol version the served vector follows. */
export const PROTOCOL_VERSION = '1.0';

/** Fields added on publication, not covered by the digest. */
export const PUBLICATION_FIELDS = ['vector_id', 'vector_digest', 'protocol_version'] as const;

export interface VectorProvenance {
  /** `<netuid>-<epoch>-<first 16 hex digits of digest>`: stable for one sealed vector, distinct for any other. */
  vector_id: string;
  /** Equal to `digest`. */
  vector_digest: string;
  protocol_version: typeof PROTOCOL_VERSION;
}

export type PublishedVector = SealedVector & VectorProvenance;

/** The vector id of a sealed vector (derived; any reader can recompute it). */
export function vectorId(vector: Pick<SealedVector, 'netuid' | 'epoch' | 'digest'>): string {
  return `${vector.netuid}-${vector.epoch}-${vector.digest.slice(0, 16)}`;
}

/** The sealed vector with its provenance fields, as served; the input is not modified. */
export function withProvenance(vector: SealedVector): PublishedVector {
  return { ...vector, vector_id: vectorId(vector), vector_digest: vector.digest, protocol_version: PROTOCOL_VERSION };
}

/**
 * null when the document has no provenance fields or when they agree with its content; otherwise why not. Either
 * all three are present or none.
 */
export function provenanceProblem(doc: Record<string, unknown>): string | null {
  const present = PUBLICATION_FIELDS.filter((field) => field in doc);
  if (present.length === 0) return null;
  if (present.length < PUBLICATION_FIELDS.length) {
    const missing = PUBLICATION_FIELDS.filter((field) => !(field in doc));
    return `provenance is partial: ${present.join(', ')} present but ${missing.join(', ')} missing`;
  }
  if (doc.vector_digest !== doc.digest) return `vector_digest ${JSON.stringify(doc.vector_digest)} is not the vector's digest`;
  const { netuid, epoch, digest } = doc;
  if (typeof netuid !== 'number' || typeof epoch !== 'number' || typeof digest !== 'string') return 'vector_id cannot be derived: netuid, epoch or digest missing';
  const expected = vectorId({ netuid, epoch, digest });
  if (doc.vector_id !== expected) return `vector_id ${JSON.stringify(doc.vector_id)} is not ${expected}`;
  if (doc.protocol_version !== PROTOCOL_VERSION) return `protocol_version ${JSON.stringify(doc.protocol_version)} is not ${PROTOCOL_VERSION}`;
  return null;
}
