import { createHash } from 'node:crypto';
import { hexToU8a, isHex, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, encodeAddress, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import type { Keypair } from '@polkadot/util-crypto/types';
import { canonicalJson } from './canonical-json.ts';
import { provenanceProblem, PUBLICATION_FIELDS } from './provenance.ts';
import { encodeU16 } from './u16.ts';
import type { SealedVector, UnsealedVector } from './vector.ts';

/** SS58 prefix used for the signer's address (generic substrate; Bittensor uses the same). */
export const SIGNER_SS58_PREFIX = 42;

/** Fields the digest does not cover: the seal itself. */
const SEAL_FIELDS = new Set(['digest', 'signature', 'signer']);
/** Not covered either: the seal, and the provenance fields derived from it on publication (provenance.ts). */
const UNDIGESTED_FIELDS = new Set<string>([...SEAL_FIELDS, ...PUBLICATION_FIELDS]);

/**
 * SHA-256 (hex) of the canonical JSON of a vector document without `digest`, `signature` and `signer` (and the
 * publication fields `vector_id`, `vector_digest`, `protocol_version`, which are derived from the digest).
 */
export function vectorDigest(vector: UnsealedVector | SealedVector | Record<string, unknown>): string {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vector)) if (!UNDIGESTED_FIELDS.has(key)) body[key] = value;
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

/** Digests and signs a vector with the master's sr25519 key; the input is not modified. */
export async function sealVector(unsealed: UnsealedVector, keypair: Keypair): Promise<SealedVector> {
  await cryptoWaitReady();
  for (const field of UNDIGESTED_FIELDS) {
    if (field in unsealed) throw new TypeError(`sealVector: the vector already has a "${field}" field; seal an unsealed vector`);
  }
  const digest = vectorDigest(unsealed);
  const signature = sr25519Sign(hexToU8a(`0x${digest}`), keypair);
  return {
    ...unsealed,
    digest,
    signature: u8aToHex(signature),
    signer: { public_key: u8aToHex(keypair.publicKey), ss58: encodeAddress(keypair.publicKey, SIGNER_SS58_PREFIX) },
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks a sealed vector (for example as parsed from `GET /v1/weights/latest`) with only the expected signer's
 * public key (0x hex, SS58 address, or bytes): the signer fields name that key, the digest matches the content,
 * the signature over the digest verifies, `weights_u16` is the u16 encoding of `uids`/`weights`, and the provenance
 * fields, when served, agree with the content.
 * Synchronous: sr25519 here is pure JavaScript (@scure/sr25519).
 */
export function verifyVector(vector: unknown, expectedSignerPublicKey: string | Uint8Array): VerifyResult {
  if (typeof vector !== 'object' || vector === null || Array.isArray(vector)) return fail('the vector is not a JSON object');
  const doc = vector as Record<string, unknown>;
  const expected = publicKeyBytes(expectedSignerPublicKey);
  if (expected === null) return fail('the expected signer public key is neither 32 bytes of hex nor an SS58 address');

  const { digest, signature, signer } = doc;
  if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) return fail('digest is missing or not 64 lowercase hex digits');
  if (typeof signature !== 'string' || !isHex(signature, 512)) return fail('signature is missing or not 64 bytes of 0x hex');
  if (typeof signer !== 'object' || signer === null) return fail('signer is missing');
  const { public_key: publicKey, ss58 } = signer as Record<string, unknown>;
  if (typeof publicKey !== 'string' || !isHex(publicKey, 256)) return fail('signer.public_key is not 32 bytes of 0x hex');
  if (u8aToHex(hexToU8a(publicKey)) !== u8aToHex(expected)) {
    return fail(`signed by ${publicKey}, expected ${u8aToHex(expected)}`);
  }
  if (typeof ss58 !== 'string' || publicKeyBytes(ss58) === null || u8aToHex(decodeAddress(ss58)) !== u8aToHex(expected)) {
    return fail('signer.ss58 does not encode signer.public_key');
  }

  let actual: string;
  try {
    actual = vectorDigest(doc);
  } catch (error) {
    return fail(`the vector has no canonical form: ${(error as Error).message}`);
  }
  if (actual !== digest) return fail(`digest mismatch: the content hashes to ${actual}, the vector says ${digest}`);
  let verified: boolean;
  try {
    verified = sr25519Verify(hexToU8a(`0x${digest}`), signature, expected);
  } catch (error) {
    // A signature whose bytes are not a valid curve encoding makes the library throw.
    return fail(`the signature is malformed: ${(error as Error).message}`);
  }
  if (!verified) return fail('the signature does not verify against the signer key');
  const provenance = provenanceProblem(doc);
  if (provenance !== null) return fail(provenance);
  return checkU16Encoding(doc);
}

/** A correctly signed vector whose u16 encoding disagrees with its float weights is still unusable. */
function checkU16Encoding(doc: Record<string, unknown>): VerifyResult {
  const { uids, weights, weights_u16: encoded } = doc;
  if (!Array.isArray(uids) || !Array.isArray(weights)) return fail('uids and weights must be arrays');
  let expected: ReturnType<typeof encodeU16>;
  try {
    expected = encodeU16(uids as number[], weights as number[]);
  } catch (error) {
    return fail(`uids/weights cannot be encoded: ${(error as Error).message}`);
  }
  if (canonicalJson(encoded ?? null) !== canonicalJson(expected)) {
    return fail('weights_u16 does not match the u16 encoding of uids/weights');
  }
  return { ok: true };
}

function publicKeyBytes(key: string | Uint8Array): Uint8Array | null {
  try {
    if (key instanceof Uint8Array) return key.length === 32 ? key : null;
    if (isHex(key, 256)) return hexToU8a(key);
    const decoded = decodeAddress(key);
    return decoded.length === 32 ? decoded : null;
  } catch {
    return null;
  }
}

function fail(reason: string): VerifyResult {
  return { ok: false, reason };
}
