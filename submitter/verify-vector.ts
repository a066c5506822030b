import { encodeU16, vectorSchemaProblems, verifyVector } from '../reconciler/weights/index.ts';
import type { SealedVector } from '../reconciler/weights/index.ts';

export interface VectorExpectations {
  netuid: number;
  /** The master's sr25519 public key (32 bytes). */
  masterPublicKey: Uint8Array;
  /** The largest accepted age of `computed_at`. */
  freshnessMs: number;
  /** How far `computed_at` may lie in the future (clock differences). */
  clockSkewMs: number;
  now: Date;
}

export type VectorRefusal =
  | 'schema'
  | 'seal'
  | 'u16_mismatch'
  | 'netuid'
  | 'expired'
  | 'stale'
  | 'from_the_future'
  | 'empty'
  /** verify: recompute: the published inputs of the epoch give another vector (submitter/recompute.ts). */
  | 'recompute_mismatch';

export type VectorCheck =
  | { ok: true; vector: SealedVector; ageMs: number }
  | { ok: false; refusal: VectorRefusal; message: string; digest: string | null };

/**
 * Everything a validator checks before a vector may go on chain, in order: the document's shape, the seal
 * (signer is the configured master, digest matches the content, signature verifies), the u16 encoding recomputed
 * from the float weights, the netuid, expiry, and freshness.
 */
export function checkVector(body: unknown, expect: VectorExpectations): VectorCheck {
  const digestField = (body as { digest?: unknown } | null)?.digest;
  const claimedDigest = typeof digestField === 'string' ? digestField : null;
  const refuse = (refusal: VectorRefusal, message: string): VectorCheck => ({ ok: false, refusal, message, digest: claimedDigest });

  const problems = vectorSchemaProblems(body);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    return refuse('schema', `the vector does not match schemas/weights-vector.schema.json: ${shown}${problems.length > 5 ? '; …' : ''}`);
  }
  const vector = body as SealedVector;

  const seal = verifyVector(vector, expect.masterPublicKey);
  if (!seal.ok) return refuse('seal', `the vector's seal is not valid: ${seal.reason}`);

  // verifyVector checks this too; it is the one property that decides what goes on chain, so it is checked here
  // against the same encoder on its own, whatever the seal code does in the future.
  const recomputed = encodeU16(vector.uids, vector.weights);
  if (!sameNumbers(recomputed.uids, vector.weights_u16.uids) || !sameNumbers(recomputed.weights, vector.weights_u16.weights)) {
    return refuse('u16_mismatch', 'weights_u16 is not the u16 encoding of uids/weights');
  }
  if (vector.weights_u16.uids.length === 0) return refuse('empty', 'the vector has no non-zero weight to submit');

  if (vector.netuid !== expect.netuid) {
    return refuse('netuid', `the vector is for netuid ${vector.netuid}; this submitter is configured for netuid ${expect.netuid}`);
  }

  const now = expect.now.getTime();
  const computedAt = Date.parse(vector.computed_at);
  const expiresAt = Date.parse(vector.expires_at);
  if (!(expiresAt > now)) {
    return refuse('expired', `the vector expired at ${vector.expires_at} (now ${expect.now.toISOString()})`);
  }
  const ageMs = now - computedAt;
  if (ageMs < -expect.clockSkewMs) {
    return refuse('from_the_future', `the vector was computed at ${vector.computed_at}, ${Math.round(-ageMs / 1000)} s in the future; check the clocks`);
  }
  if (ageMs > expect.freshnessMs) {
    return refuse(
      'stale',
      `the vector was computed at ${vector.computed_at}, ${Math.round(ageMs / 1000)} s ago; the freshness window is ${Math.round(expect.freshnessMs / 1000)} s`,
    );
  }
  return { ok: true, vector, ageMs };
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
