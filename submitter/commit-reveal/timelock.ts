/**
 * Timelock encryption to a drand quicknet round, byte for byte as subtensor decrypts `commit_timelocked_weights`.
 *
 * The chain parses a commit with `TLECiphertext::<TinyBLS381>::deserialize_compressed` from the Rust crate
 * ideal-lab5/timelock at rev 5416406 (the rev subtensor pins) and decrypts it with the round's beacon signature.
 * The scheme is Boneh–Franklin IBE (the "FullIdent" variant) wrapping a 32-byte AES-256-GCM key:
 *
 *   identity   Q = hash_to_G1(sha256(round as u64 big-endian))           (RFC 9380, the quicknet DST)
 *   encrypt    esk, sigma random 32 B;  r = sha256(sigma ‖ esk) mod q     (big-endian, no domain tag)
 *              U = r·G2,  V = sigma ⊕ sha256(GT(e(Q, r·Ppub))),  W = esk ⊕ sha256(sigma)
 *              body = AES-256-GCM(esk, nonce 12 B, payload) ‖ tag 16 B  (no AAD)
 *   decrypt    sigma = V ⊕ sha256(GT(e(signature, U))),  esk = W ⊕ sha256(sigma),  require U == r·G2
 *
 * GT is serialized as arkworks does it: the 12 base-field coefficients of Fp12, c0-first at every level
 * (c0.c0.c0, c0.c0.c1, c0.c1.c0, …, c1.c2.c1), each 48 bytes little-endian.
 *
 * Serialized layout (ark-serialize "compressed"; every Vec<u8> carries a u64 little-endian length; n = payload):
 *
 *   offset    bytes        field
 *   0         96           U, G2 compressed (zcash format, flag bits in the first byte)
 *   96        8 + 32       V
 *   136       8 + 32       W
 *   176       8            body length = n + 44
 *   184       8 + n + 16   AES ciphertext ‖ tag
 *   208 + n   8 + 12       nonce
 *   228 + n   8 + 8        cipher suite "AES_GCM_"
 *   total     n + 244
 *
 * Everything here is pure except the default randomness (node:crypto). A later layout of the same crate (npm
 * @ideallabs/timelock_wasm_wrapper 0.3.0: fixed 32-byte V/W, no length prefixes, 160-byte header) is NOT what the
 * chain reads; `parseCommit` refuses it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { bls12_381 } from '@noble/curves/bls12-381';
import { QUICKNET } from './quicknet.ts';

const G1 = bls12_381.G1.ProjectivePoint;
const G2 = bls12_381.G2.ProjectivePoint;
const FR_ORDER = bls12_381.fields.Fr.ORDER;

const U_BYTES = 96;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER_SUITE = Buffer.from('AES_GCM_', 'ascii');
/** Bytes a commit adds to its payload. */
export const COMMIT_OVERHEAD_BYTES = 244;

/** A commit (or a pulse) that cannot be parsed or decrypted; the message says which part and why. */
export class TimelockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimelockError';
  }
}

/**
 * The random inputs of one encryption. Tests pass fixed values to reproduce golden vectors; production code never
 * does: a repeated esk or nonce breaks AES-GCM, a repeated sigma with a different esk leaks both.
 */
export interface TimelockRandomness {
  /** The AES-256 key (the IBE message), 32 bytes. */
  esk: Uint8Array;
  /** The IBE randomness, 32 bytes. */
  sigma: Uint8Array;
  /** The AES-GCM nonce, 12 bytes. */
  nonce: Uint8Array;
}

export interface EncryptOptions {
  /** Tests only (see TimelockRandomness). */
  randomness?: TimelockRandomness;
  /** The beacon's G2 public key, hex; quicknet's by default. */
  publicKey?: string;
}

/** Encrypts `payload` so that only the signature of drand round `round` opens it. */
export function encryptCommit(payload: Uint8Array, round: bigint, options: EncryptOptions = {}): Uint8Array {
  if (round < 1n || round >= 2n ** 64n) throw new TimelockError(`round ${round}: expected a u64 drand round >= 1`);
  const { esk, sigma, nonce } = options.randomness ?? {
    esk: randomBytes(KEY_BYTES),
    sigma: randomBytes(KEY_BYTES),
    nonce: randomBytes(NONCE_BYTES),
  };
  expectLength(esk, KEY_BYTES, 'esk');
  expectLength(sigma, KEY_BYTES, 'sigma');
  expectLength(nonce, NONCE_BYTES, 'nonce');

  const publicKey = G2.fromHex(options.publicKey ?? QUICKNET.publicKey);
  const r = h3(sigma, esk);
  const u = G2.BASE.multiply(r);
  const gId = bls12_381.pairing(identityPoint(round), publicKey.multiply(r));
  const v = xor(sigma, sha256(gtBytes(gId)));
  const w = xor(esk, sha256(sigma));

  const cipher = createCipheriv('aes-256-gcm', esk, nonce);
  const sealed = Buffer.concat([cipher.update(payload), cipher.final(), cipher.getAuthTag()]);
  const body = Buffer.concat([vec(sealed), vec(nonce)]);
  return Buffer.concat([u.toRawBytes(true), vec(v), vec(w), vec(body), vec(CIPHER_SUITE)]);
}

/** Opens a commit with a pulse signature (48-byte G1, compressed), as the chain does at reveal. */
export function decryptCommit(commit: Uint8Array, signature: Uint8Array): Uint8Array {
  const parsed = parseCommit(commit);
  const sig = g1Point(signature);
  const u = G2.fromHex(parsed.u);
  const sigma = xor(parsed.v, sha256(gtBytes(bls12_381.pairing(sig, u))));
  const esk = xor(parsed.w, sha256(sigma));
  if (!G2.BASE.multiply(h3(sigma, esk)).equals(u)) {
    throw new TimelockError('the pulse does not open this commit (another round, or a corrupted header)');
  }
  const decipher = createDecipheriv('aes-256-gcm', esk, parsed.nonce);
  decipher.setAuthTag(parsed.ciphertext.subarray(parsed.ciphertext.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext.subarray(0, parsed.ciphertext.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new TimelockError('the AES-GCM tag does not verify: the body was altered');
  }
}

/** The fields of a serialized commit, each a view into the input. */
export interface ParsedCommit {
  u: Uint8Array;
  v: Uint8Array;
  w: Uint8Array;
  /** AES-GCM ciphertext followed by its 16-byte tag. */
  ciphertext: Uint8Array;
  nonce: Uint8Array;
  cipherSuite: string;
}

/** Parses the layout above strictly: every length, the suite, no trailing bytes. U is checked when it is used. */
export function parseCommit(commit: Uint8Array): ParsedCommit {
  const bytes = Buffer.from(commit.buffer, commit.byteOffset, commit.byteLength);
  let at = 0;
  const take = (n: number, what: string) => {
    if (at + n > bytes.length) throw new TimelockError(`commit truncated at offset ${at}: ${what} needs ${n} bytes, ${bytes.length - at} left`);
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const takeVec = (what: string, expected?: number) => {
    const lengthAt = at;
    const length = take(8, `${what} length`).readBigUInt64LE(0);
    if (expected !== undefined && length !== BigInt(expected)) {
      throw new TimelockError(`${what} at offset ${lengthAt}: length prefix ${length}, expected ${expected} (not the layout the chain reads)`);
    }
    if (length > BigInt(bytes.length)) throw new TimelockError(`${what} at offset ${lengthAt}: length prefix ${length} exceeds the commit`);
    return take(Number(length), what);
  };
  const u = take(U_BYTES, 'U');
  if ((u[0]! & 0x80) === 0) throw new TimelockError('U at offset 0 is not a compressed G2 point (flag bit 0x80 unset)');
  const v = takeVec('V', KEY_BYTES);
  const w = takeVec('W', KEY_BYTES);
  const bodyAt = at;
  const body = takeVec('body');
  const suite = takeVec('cipher suite');
  if (at !== bytes.length) throw new TimelockError(`${bytes.length - at} trailing byte(s) after the cipher suite at offset ${at}`);
  if (!suite.equals(CIPHER_SUITE)) throw new TimelockError(`cipher suite "${suite.toString('latin1')}", expected "AES_GCM_"`);

  const inner = Buffer.from(body);
  let bodyOffset = 0;
  const innerVec = (what: string) => {
    if (bodyOffset + 8 > inner.length) throw new TimelockError(`body (offset ${bodyAt}) truncated before ${what}`);
    const length = inner.readBigUInt64LE(bodyOffset);
    if (length > BigInt(inner.length - bodyOffset - 8)) throw new TimelockError(`${what} length ${length} exceeds the body (offset ${bodyAt})`);
    const start = bodyOffset + 8;
    bodyOffset = start + Number(length);
    return body.subarray(start, bodyOffset);
  };
  const ciphertext = innerVec('ciphertext');
  const nonce = innerVec('nonce');
  if (bodyOffset !== inner.length) throw new TimelockError(`body (offset ${bodyAt}) has ${inner.length - bodyOffset} trailing byte(s)`);
  if (nonce.length !== NONCE_BYTES) throw new TimelockError(`nonce is ${nonce.length} bytes, expected ${NONCE_BYTES}`);
  if (ciphertext.length < TAG_BYTES) throw new TimelockError(`ciphertext is ${ciphertext.length} bytes, shorter than its ${TAG_BYTES}-byte tag`);
  return { u, v, w, ciphertext, nonce, cipherSuite: suite.toString('latin1') };
}

/** True when `signature` is the beacon's signature of `round`: e(sig, G2) == e(Q_round, Ppub). */
export function verifyPulse(round: bigint, signature: Uint8Array, publicKey: string = QUICKNET.publicKey): boolean {
  let sig;
  try {
    sig = g1Point(signature);
  } catch {
    return false;
  }
  const left = bls12_381.pairing(sig, G2.BASE);
  const right = bls12_381.pairing(identityPoint(round), G2.fromHex(publicKey));
  return bls12_381.fields.Fp12.eql(left, right);
}

/** sha256 of the round as a u64 big-endian: the message the beacon signs for that round. */
export function roundMessage(round: bigint): Uint8Array {
  const be = Buffer.alloc(8);
  be.writeBigUInt64BE(round);
  return sha256(be);
}

function identityPoint(round: bigint): typeof G1.BASE {
  // hashToCurve returns a G1 projective point; its declared type is the narrower H2CPoint.
  return bls12_381.G1.hashToCurve(roundMessage(round), { DST: QUICKNET.hashToG1Dst }) as unknown as typeof G1.BASE;
}

function g1Point(signature: Uint8Array) {
  if (signature.length !== 48) throw new TimelockError(`pulse signature is ${signature.length} bytes, expected 48 (compressed G1)`);
  try {
    return G1.fromHex(signature);
  } catch (error) {
    throw new TimelockError(`pulse signature is not a point of G1: ${(error as Error).message}`);
  }
}

/** H3 of the scheme: sha256(sigma ‖ message) read big-endian, reduced mod the group order. */
function h3(sigma: Uint8Array, message: Uint8Array): bigint {
  const r = BigInt(`0x${Buffer.from(sha256(Buffer.concat([sigma, message]))).toString('hex')}`) % FR_ORDER;
  if (r === 0n) throw new TimelockError('degenerate randomness (r = 0); draw again');
  return r;
}

type Fp2 = { c0: bigint; c1: bigint };
type Fp6 = { c0: Fp2; c1: Fp2; c2: Fp2 };
type Fp12 = { c0: Fp6; c1: Fp6 };

/** arkworks' serialization of a GT element: 12 × 48-byte little-endian coefficients, c0-first. */
function gtBytes(value: Fp12): Uint8Array {
  const out = Buffer.alloc(12 * 48);
  let i = 0;
  for (const fp6 of [value.c0, value.c1]) {
    for (const fp2 of [fp6.c0, fp6.c1, fp6.c2]) {
      for (const coefficient of [fp2.c0, fp2.c1]) {
        let x = coefficient;
        for (let b = 0; b < 48; b++) {
          out[i * 48 + b] = Number(x & 0xffn);
          x >>= 8n;
        }
        i += 1;
      }
    }
  }
  return out;
}

function vec(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([length, bytes]);
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

function expectLength(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new TimelockError(`${what} is ${bytes.length} bytes, expected ${length}`);
}
