/**
 * A signed miner upload is checked as the reference platform checks it: the message format, the 300 s timestamp
 * window, the sr25519 signature (hex, 0x optional, bare or <Bytes>-wrapped), the metagraph (plus an allowlist),
 * blocked uids (uid 0 by default) and the body limit; each refusal with its status and detail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress, sr25519PairFromSeed, sr25519Sign } from '@polkadot/util-crypto';
import {
  checkSignedUpload,
  DEFAULT_MAX_UPLOAD_BYTES,
  NONCE_TTL_SECONDS,
  sha256Hex,
  uploadMessage,
  type UploadPolicy,
  type UploadRequest,
} from '../upload/signed-upload.ts';

await cryptoWaitReady();
const miner = sr25519PairFromSeed(new Uint8Array(32).fill(21));
const owner = sr25519PairFromSeed(new Uint8Array(32).fill(22));
const stranger = sr25519PairFromSeed(new Uint8Array(32).fill(23));
const MINER = encodeAddress(miner.publicKey, 42);
const OWNER = encodeAddress(owner.publicKey, 42);
const STRANGER = encodeAddress(stranger.publicKey, 42);

const NOW = new Date('2026-12-04T12:00:00Z');
const TS = String(NOW.getTime() / 1000);
const PATH = '/v1/challenges/demo-sum/submissions';
const BODY = new TextEncoder().encode('{"answer":42}');
const policy: UploadPolicy = { netuid: 2, uidOf: (hotkey) => ({ [MINER]: 5, [OWNER]: 0 })[hotkey] };

function signed(
  options: { pair?: typeof miner; hotkey?: string; timestamp?: string; nonce?: string; body?: Uint8Array; wrap?: boolean; prefix0x?: boolean; signPath?: string } = {},
): UploadRequest {
  const pair = options.pair ?? miner;
  const hotkey = options.hotkey ?? encodeAddress(pair.publicKey, 42);
  const timestamp = options.timestamp ?? TS;
  const nonce = options.nonce ?? 'n-0001';
  const body = options.body ?? BODY;
  const message = uploadMessage({ netuid: 2, slug: 'demo-sum', method: 'post', path: options.signPath ?? PATH, hotkey, nonce, timestamp, bodySha256: sha256Hex(body) });
  const signature = u8aToHex(sr25519Sign(stringToU8a(options.wrap ? `<Bytes>${message}</Bytes>` : message), pair));
  return {
    slug: 'demo-sum',
    method: 'POST',
    path: PATH,
    headers: { 'x-hotkey': hotkey, 'x-signature': options.prefix0x === false ? signature.slice(2) : signature, 'x-nonce': nonce, 'x-timestamp': timestamp },
    body,
    now: NOW,
  };
}

test('the message is base-upload-v1:{netuid}:{slug}:{METHOD}:{path}:{hotkey}:{nonce}:{timestamp}:{sha256(body)}', () => {
  assert.equal(
    uploadMessage({ netuid: 2, slug: 's', method: 'post', path: '/v1/challenges/s/submissions', hotkey: 'HK', nonce: 'n1', timestamp: '1700000000', bodySha256: sha256Hex('') }),
    'base-upload-v1:2:s:POST:/v1/challenges/s/submissions:HK:n1:1700000000:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('a correctly signed upload from a registered hotkey passes, with its uid, nonce and request hash', () => {
  const result = checkSignedUpload(signed(), policy);
  assert.equal(result.ok, true, JSON.stringify(result));
  if (!result.ok) return;
  assert.deepEqual([result.hotkey, result.uid, result.nonce, result.timestamp], [MINER, 5, 'n-0001', Number(TS)]);
  assert.equal(result.bodySha256, sha256Hex(BODY));
  assert.match(result.requestHash, /^[0-9a-f]{64}$/);
});

test('the signature may come without 0x, and <Bytes>-wrapped as wallet extensions sign', () => {
  assert.equal(checkSignedUpload(signed({ prefix0x: false }), policy).ok, true);
  assert.equal(checkSignedUpload(signed({ wrap: true }), policy).ok, true);
});

test('the timestamp may be 300 s off either way, not more', () => {
  assert.equal(checkSignedUpload(signed({ timestamp: String(Number(TS) - 300) }), policy).ok, true);
  assert.equal(checkSignedUpload(signed({ timestamp: String(Number(TS) + 300) }), policy).ok, true);
  assert.ok(NONCE_TTL_SECONDS >= 600, 'a nonce outlives the whole window its timestamp is accepted in');
});

const REFUSALS: Array<[string, () => UploadRequest, UploadPolicy, number, string]> = [
  ['a timestamp 301 s old', () => signed({ timestamp: String(Number(TS) - 301) }), policy, 401, 'stale signature'],
  ['a timestamp 301 s ahead', () => signed({ timestamp: String(Number(TS) + 301) }), policy, 401, 'stale signature'],
  ['a timestamp that is not unix seconds', () => signed({ timestamp: '2026-12-04T12:00:00Z' }), policy, 401, 'stale signature'],
  ['a signature by another key', () => ({ ...signed({ pair: stranger }), headers: { ...signed({ pair: stranger }).headers, 'x-hotkey': MINER } }), policy, 401, 'bad signature'],
  ['a body changed after signing', () => ({ ...signed(), body: new TextEncoder().encode('{"answer":43}') }), policy, 401, 'bad signature'],
  ['a signature over another path', () => signed({ signPath: '/v1/challenges/other/submissions' }), policy, 401, 'bad signature'],
  ['a signature that is not hex', () => ({ ...signed(), headers: { ...signed().headers, 'x-signature': 'zz' } }), policy, 401, 'bad signature'],
  ['a hotkey that is not an SS58 address', () => signed({ hotkey: 'not-an-address' }), policy, 401, 'bad signature'],
  ['a hotkey not on the metagraph', () => signed({ pair: stranger }), policy, 401, 'unknown hotkey'],
  ['the hotkey of uid 0', () => signed({ pair: owner }), policy, 401, 'blocked uid'],
  ['a missing X-Nonce', () => ({ ...signed(), headers: { ...signed().headers, 'x-nonce': undefined } }), policy, 401, 'missing signature headers (X-Hotkey, X-Signature, X-Nonce, X-Timestamp)'],
  ['a nonce with a colon (it would blur the message)', () => signed({ nonce: 'a:b' }), policy, 401, 'bad nonce'],
  ['a body one byte over the limit', () => signed({ body: new Uint8Array(DEFAULT_MAX_UPLOAD_BYTES + 1) }), policy, 413, 'Submission too large'],
];

for (const [label, request, against, status, detail] of REFUSALS) {
  test(`refused: ${label} → ${status} ${detail}`, () => {
    assert.deepEqual(checkSignedUpload(request(), against), { ok: false, status, detail });
  });
}

test('an allowlisted hotkey passes without being on the metagraph (uid null); the blocked uids are configurable', () => {
  const allowed = checkSignedUpload(signed({ pair: stranger }), { ...policy, allowlist: new Set([STRANGER]) });
  assert.equal(allowed.ok && allowed.uid, null);
  assert.equal(checkSignedUpload(signed({ pair: owner }), { ...policy, blockedUids: new Set() }).ok, true);
  assert.deepEqual(checkSignedUpload(signed(), { ...policy, blockedUids: new Set([5]) }), { ok: false, status: 401, detail: 'blocked uid' });
  assert.equal(checkSignedUpload(signed({ body: new Uint8Array(11) }), policy, 10).ok, false, 'the body limit is configurable');
});
