import assert from 'node:assert/strict';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { sealVector, vectorDigest, verifyVector } from '../seal.ts';
import { canonicalJson } from '../canonical-json.ts';
import { sampleUnsealedVector } from './vector-fixture.ts';

await cryptoWaitReady();
const master = sr25519PairFromSeed(new Uint8Array(32).fill(7));
const intruder = sr25519PairFromSeed(new Uint8Array(32).fill(9));
const masterPublicHex = u8aToHex(master.publicKey);

/** What a validator sees: the sealed vector after a JSON round trip. */
async function servedVector(): Promise<string> {
  return JSON.stringify(await sealVector(sampleUnsealedVector(), master));
}

test('a verifier holding only the public key accepts a sealed vector after a JSON round trip', async () => {
  const served = JSON.parse(await servedVector());
  assert.deepEqual(verifyVector(served, masterPublicHex), { ok: true });
  assert.deepEqual(verifyVector(served, encodeAddress(master.publicKey, 42)), { ok: true });
  assert.deepEqual(verifyVector(served, master.publicKey), { ok: true });
  assert.equal(served.signer.public_key, masterPublicHex);
  assert.equal(served.signer.ss58, encodeAddress(master.publicKey, 42));
});

test('the digest is the SHA-256 of the canonical JSON without digest, signature and signer', async () => {
  const sealed = await sealVector(sampleUnsealedVector(), master);
  const { digest, signature: _s, signer: _r, ...body } = sealed;
  const { createHash } = await import('node:crypto');
  assert.equal(digest, createHash('sha256').update(canonicalJson(body)).digest('hex'));
  assert.equal(vectorDigest(sealed), digest);
  // Key order of the served JSON does not matter.
  const reordered = Object.fromEntries(Object.entries(sealed).reverse());
  assert.deepEqual(verifyVector(reordered, masterPublicHex), { ok: true });
});

test('rejects one changed byte in a weight, a uid, the epoch, a u16 value or a source outcome', async () => {
  const served = await servedVector();
  const tamperings: Array<[string, (v: any) => void]> = [
    ['a weight', (v) => (v.weights[1] = v.weights[1] + 1e-15)],
    ['a uid', (v) => (v.uids[1] = v.uids[1] + 1)],
    ['the epoch', (v) => (v.epoch = v.epoch + 1)],
    ['a u16 value', (v) => (v.weights_u16.weights[0] = v.weights_u16.weights[0] - 1)],
    ['a source outcome', (v) => (v.source_challenges[3].ok = true)],
    ['a hotkey weight', (v) => (v.hotkey_weights.hkA = 0.5)],
    ['the expiry', (v) => (v.expires_at = '2030-01-01T00:00:00.000Z')],
    ['an added field', (v) => (v.extra = 1)],
  ];
  for (const [what, tamper] of tamperings) {
    const vector = JSON.parse(served);
    tamper(vector);
    const result = verifyVector(vector, masterPublicHex);
    assert.equal(result.ok, false, `changing ${what} must be detected`);
    assert.match((result as { reason: string }).reason, /digest mismatch/, what);
  }
});

test('rejects every single-character change of the served bytes that still parses', async () => {
  const served = await servedVector();
  const original = canonicalJson(JSON.parse(served));
  // Bump one digit at a time anywhere in the text (numbers, dates, hex digests, the signature, the signer).
  let checked = 0;
  for (let i = 0; i < served.length; i++) {
    const ch = served[i] as string;
    if (!/[0-9]/.test(ch)) continue;
    const changed = `${served.slice(0, i)}${ch === '9' ? '8' : String(Number(ch) + 1)}${served.slice(i + 1)}`;
    let vector: unknown;
    try {
      vector = JSON.parse(changed);
    } catch {
      continue;
    }
    // 0.22499999999999998 -> 0.22499999999999999 is the same double: not a change of the document.
    if (canonicalJson(vector) === original) continue;
    assert.equal(verifyVector(vector, masterPublicHex).ok, false, `digit ${i} (${ch}) changed and still verified`);
    checked++;
  }
  assert.ok(checked > 300, `only ${checked} positions checked`);
});

test('rejects a vector signed by another key, or claiming the expected key with a foreign signature', async () => {
  const forged = JSON.parse(JSON.stringify(await sealVector(sampleUnsealedVector(), intruder)));
  const wrongSigner = verifyVector(forged, masterPublicHex);
  assert.equal(wrongSigner.ok, false);
  assert.match((wrongSigner as { reason: string }).reason, /signed by 0x[0-9a-f]{64}, expected/);

  forged.signer = { public_key: masterPublicHex, ss58: encodeAddress(master.publicKey, 42) };
  const badSignature = verifyVector(forged, masterPublicHex);
  assert.equal(badSignature.ok, false);
  assert.match((badSignature as { reason: string }).reason, /signature does not verify/);
});

test('rejects malformed seals with a reason instead of throwing', async () => {
  const sealed = JSON.parse(await servedVector());
  assert.equal(verifyVector(null, masterPublicHex).ok, false);
  assert.equal(verifyVector({ ...sealed, digest: undefined }, masterPublicHex).ok, false);
  assert.equal(verifyVector({ ...sealed, signature: '0x1234' }, masterPublicHex).ok, false);
  assert.equal(verifyVector({ ...sealed, signer: { ...sealed.signer, ss58: encodeAddress(intruder.publicKey, 42) } }, masterPublicHex).ok, false);
  assert.equal(verifyVector(sealed, 'not-a-key').ok, false);
  assert.equal(verifyVector({ ...sealed, weights: [NaN] }, masterPublicHex).ok, false);
});

test('rejects a correctly signed vector whose weights_u16 disagrees with its float weights', async () => {
  const unsealed = sampleUnsealedVector();
  unsealed.weights_u16 = { uids: unsealed.weights_u16.uids, weights: unsealed.weights_u16.weights.map((w) => Math.max(1, w - 1)) };
  const sealed = JSON.parse(JSON.stringify(await sealVector(unsealed, master)));
  assert.deepEqual(verifyVector(sealed, masterPublicHex), { ok: false, reason: 'weights_u16 does not match the u16 encoding of uids/weights' });
});

test('sealing is deterministic in the digest and refuses an already sealed vector', async () => {
  const a = await sealVector(sampleUnsealedVector(), master);
  const b = await sealVector(sampleUnsealedVector(), master);
  assert.equal(a.digest, b.digest);
  await assert.rejects(() => sealVector(a, master), /already has a "digest" field/);
});
