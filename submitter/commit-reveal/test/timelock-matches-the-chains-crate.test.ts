// Timelock encryption against the fixtures (fixtures/SOURCE.md): real drand quicknet pulses verify under the
// quicknet key; a ciphertext made by the chain's own Rust crate decrypts to its payload; fixed inputs give the golden
// ciphertext byte for byte; a wrong round's pulse, a flipped byte and the incompatible 160-byte layout all fail.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { QUICKNET } from '../quicknet.ts';
import { COMMIT_OVERHEAD_BYTES, decryptCommit, encryptCommit, parseCommit, TimelockError, verifyPulse } from '../timelock.ts';

interface Vectors {
  quicknet: { chain_hash: string; public_key_g2: string; genesis_time: number; period_seconds: number; hash_to_g1_dst: string };
  pulses: Array<{ round: number; signature: string; randomness: string }>;
  payload_example: { hex: string };
  ciphertext_from_reference: { round: number; hex: string };
  ciphertext_deterministic: { round: number; esk: string; sigma: string; nonce: string; hex: string };
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (text: string) => Buffer.from(text, 'hex');
const [pulse1000, pulse2000] = vectors.pulses.map((p) => ({ round: BigInt(p.round), signature: hex(p.signature), randomness: p.randomness }));
const payload = hex(vectors.payload_example.hex);

test('the module uses the quicknet constants of the fixtures', () => {
  assert.equal(QUICKNET.publicKey, vectors.quicknet.public_key_g2);
  assert.equal(QUICKNET.chainHash, vectors.quicknet.chain_hash);
  assert.equal(QUICKNET.genesisTime, vectors.quicknet.genesis_time);
  assert.equal(QUICKNET.periodSeconds, vectors.quicknet.period_seconds);
  assert.equal(QUICKNET.hashToG1Dst, vectors.quicknet.hash_to_g1_dst);
});

test('both real pulses verify under the quicknet key for their own round only; randomness is sha256(signature)', () => {
  for (const pulse of [pulse1000!, pulse2000!]) {
    assert.ok(verifyPulse(pulse.round, pulse.signature), `round ${pulse.round}`);
    assert.equal(createHash('sha256').update(pulse.signature).digest('hex'), pulse.randomness);
  }
  assert.equal(verifyPulse(2000n, pulse1000!.signature), false);
  assert.equal(verifyPulse(1000n, pulse2000!.signature), false);
  // subtensor's "bad signature" test vector is not even a point of G1.
  const bad = hex('b0a8b04e009cf72534321aca0f50048da596a3feec1172a0244d9a4a623a3123d0402da79854d4c705e94bc73224c341');
  assert.equal(verifyPulse(1000n, bad), false);
});

test("the Rust crate's ciphertext has the chain's layout and decrypts with pulse 1000 to its payload", () => {
  const commit = hex(vectors.ciphertext_from_reference.hex);
  assert.equal(commit.length, payload.length + COMMIT_OVERHEAD_BYTES);
  // Offsets of the layout: V and W as 32-byte Vecs, body length n + 44, nonce 12, suite "AES_GCM_".
  const n = payload.length;
  assert.equal(commit.subarray(96, 104).toString('hex'), '2000000000000000');
  assert.equal(commit.subarray(136, 144).toString('hex'), '2000000000000000');
  assert.equal(commit.readBigUInt64LE(176), BigInt(n + 44));
  assert.equal(commit.readBigUInt64LE(184), BigInt(n + 16));
  assert.equal(commit.readBigUInt64LE(208 + n), 12n);
  assert.equal(commit.subarray(228 + n).toString('hex'), '08000000000000004145535f47434d5f');
  const parsed = parseCommit(commit);
  assert.deepEqual([parsed.u.length, parsed.v.length, parsed.w.length, parsed.ciphertext.length, parsed.nonce.length, parsed.cipherSuite], [96, 32, 32, n + 16, 12, 'AES_GCM_']);

  assert.deepEqual(Buffer.from(decryptCommit(commit, pulse1000!.signature)), payload);
});

test('fixed esk, sigma and nonce give the golden ciphertext byte for byte, and it decrypts back', () => {
  const golden = vectors.ciphertext_deterministic;
  const commit = encryptCommit(payload, BigInt(golden.round), { randomness: { esk: hex(golden.esk), sigma: hex(golden.sigma), nonce: hex(golden.nonce) } });
  assert.equal(Buffer.from(commit).toString('hex'), golden.hex);
  assert.deepEqual(Buffer.from(decryptCommit(commit, pulse1000!.signature)), payload);
});

test('a fresh encryption is random each time, has the layout, and only the pulse of its round opens it', () => {
  const a = encryptCommit(payload, 2000n);
  const b = encryptCommit(payload, 2000n);
  assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  assert.equal(a.length, payload.length + COMMIT_OVERHEAD_BYTES);
  assert.deepEqual(Buffer.from(decryptCommit(a, pulse2000!.signature)), payload);
  assert.throws(() => decryptCommit(a, pulse1000!.signature), (error: unknown) => error instanceof TimelockError && /does not open this commit/.test(error.message));
});

test("a wrong round's pulse, a flipped byte and the incompatible 160-byte layout all fail", () => {
  const commit = hex(vectors.ciphertext_from_reference.hex);
  assert.throws(() => decryptCommit(commit, pulse2000!.signature), /does not open this commit/);

  const body = Buffer.from(commit);
  body[200] = body[200]! ^ 0x01; // inside the AES ciphertext
  assert.throws(() => decryptCommit(body, pulse1000!.signature), /AES-GCM tag does not verify/);
  const header = Buffer.from(commit);
  header[110] = header[110]! ^ 0x01; // inside V
  assert.throws(() => decryptCommit(header, pulse1000!.signature), /does not open this commit/);
  const shortV = Buffer.from(commit);
  shortV.writeBigUInt64LE(31n, 96);
  assert.throws(() => parseCommit(shortV), /V at offset 96: length prefix 31, expected 32 \(not the layout the chain reads\)/);
  const trailing = Buffer.concat([commit, Buffer.from([0])]);
  assert.throws(() => parseCommit(trailing), /1 trailing byte/);

  // @ideallabs/timelock_wasm_wrapper 0.3.0's layout: U ‖ V(32) ‖ W(32) without length prefixes (160-byte header).
  const n = payload.length;
  const withoutPrefixes = Buffer.concat([
    commit.subarray(0, 96),
    commit.subarray(104, 136),
    commit.subarray(144, 176),
    commit.subarray(184 + 8, 208 + n),
    commit.subarray(216 + n, 228 + n),
    commit.subarray(236 + n),
  ]);
  assert.throws(() => parseCommit(withoutPrefixes), (error: unknown) => error instanceof TimelockError && /V at offset 96: length prefix/.test(error.message));
  assert.throws(() => decryptCommit(withoutPrefixes, pulse1000!.signature), TimelockError);
});

test('inputs that cannot be right are refused before any crypto', () => {
  assert.throws(() => encryptCommit(payload, 0n), /expected a u64 drand round >= 1/);
  assert.throws(() => encryptCommit(payload, 1n, { randomness: { esk: new Uint8Array(31), sigma: new Uint8Array(32), nonce: new Uint8Array(12) } }), /esk is 31 bytes/);
  assert.throws(() => decryptCommit(hex(vectors.ciphertext_from_reference.hex), new Uint8Array(96)), /expected 48/);
});
