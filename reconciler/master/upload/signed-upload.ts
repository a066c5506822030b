/**
 * The signed miner upload, as the reference platform defines it (pure: no I/O, no store). A miner signs
 *
 *   base-upload-v1:{netuid}:{slug}:{METHOD}:{path}:{hotkey}:{nonce}:{timestamp}:{sha256_hex(body)}
 *
 * with its sr25519 hotkey and sends the signature (hex, `0x` optional) in `X-Signature`, with `X-Hotkey`, `X-Nonce`
 * and `X-Timestamp` (unix seconds). `checkSignedUpload` decides everything but the nonce replay, which needs the
 * store (`claimUploadNonce`): a nonce is kept for `NONCE_TTL_SECONDS`, longer than any timestamp stays acceptable.
 */
import { createHash } from 'node:crypto';
import { hexToU8a, isHex, stringToU8a } from '@polkadot/util';
import { decodeAddress, sr25519Verify } from '@polkadot/util-crypto';

export const UPLOAD_MESSAGE_PREFIX = 'base-upload-v1';
/** How far `X-Timestamp` may be from the master's clock, either way. */
export const MAX_TIMESTAMP_SKEW_SECONDS = 300;
/** A nonce is remembered this long: a request with the same nonce is refused until its timestamp is stale anyway. */
export const NONCE_TTL_SECONDS = 2 * MAX_TIMESTAMP_SKEW_SECONDS;
/** The default largest upload body (7.5 MB, as the reference). */
export const DEFAULT_MAX_UPLOAD_BYTES = 7.5 * 1024 * 1024;
/** The uid whose hotkey may never upload unless configured otherwise (the burn/owner uid). */
export const DEFAULT_BLOCKED_UIDS: readonly number[] = [0];

const NONCE = /^[A-Za-z0-9._~-]{1,128}$/;
const TIMESTAMP = /^(0|[1-9][0-9]{0,11})$/;

export interface UploadMessageFields {
  netuid: number;
  slug: string;
  method: string;
  /** The request path as the miner sent it, without the query string. */
  path: string;
  hotkey: string;
  nonce: string;
  /** Unix seconds, as sent in `X-Timestamp`. */
  timestamp: string;
  /** SHA-256 of the raw body, lower-case hex. */
  bodySha256: string;
}

export function uploadMessage(fields: UploadMessageFields): string {
  const { netuid, slug, method, path, hotkey, nonce, timestamp, bodySha256 } = fields;
  return `${UPLOAD_MESSAGE_PREFIX}:${netuid}:${slug}:${method.toUpperCase()}:${path}:${hotkey}:${nonce}:${timestamp}:${bodySha256}`;
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface UploadPolicy {
  netuid: number;
  /** hotkey → uid of the metagraph; undefined when the hotkey is not registered. */
  uidOf(hotkey: string): number | undefined;
  /** Extra hotkeys accepted without being on the metagraph (their uid is reported as null). */
  allowlist?: ReadonlySet<string>;
  /** Uids refused even when registered (default `DEFAULT_BLOCKED_UIDS`). */
  blockedUids?: ReadonlySet<number>;
}

export interface UploadRequest {
  slug: string;
  method: string;
  path: string;
  /** Request headers, names lower-case (as node:http gives them). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
  now: Date;
}

export type UploadCheck =
  | {
      ok: true;
      hotkey: string;
      /** null for an allowlisted hotkey that is not on the metagraph. */
      uid: number | null;
      nonce: string;
      timestamp: number;
      bodySha256: string;
      /** SHA-256 (hex) of the signed message: names this exact request (forwarded as X-Base-Request-Hash). */
      requestHash: string;
    }
  | { ok: false; status: 401 | 413; detail: string };

const refuse = (detail: string): UploadCheck => ({ ok: false, status: 401, detail });

function single(headers: UploadRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

/**
 * Checks a signed upload in the reference's order: the four headers, the timestamp window, the signature over the
 * message, then who signed it (on the metagraph or allowlisted, not a blocked uid). The nonce is not consumed here.
 */
export function checkSignedUpload(request: UploadRequest, policy: UploadPolicy, maxBytes = DEFAULT_MAX_UPLOAD_BYTES): UploadCheck {
  if (request.body.length > maxBytes) return { ok: false, status: 413, detail: 'Submission too large' };
  const hotkey = single(request.headers, 'x-hotkey');
  const signature = single(request.headers, 'x-signature');
  const nonce = single(request.headers, 'x-nonce');
  const timestamp = single(request.headers, 'x-timestamp');
  if (hotkey === undefined || signature === undefined || nonce === undefined || timestamp === undefined) {
    return refuse('missing signature headers (X-Hotkey, X-Signature, X-Nonce, X-Timestamp)');
  }
  if (!NONCE.test(nonce)) return refuse('bad nonce');
  if (!TIMESTAMP.test(timestamp)) return refuse('stale signature');
  const seconds = Number(timestamp);
  if (Math.abs(request.now.getTime() / 1000 - seconds) > MAX_TIMESTAMP_SKEW_SECONDS) return refuse('stale signature');

  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(hotkey);
  } catch {
    return refuse('bad signature');
  }
  if (publicKey.length !== 32) return refuse('bad signature');
  const signatureHex = signature.startsWith('0x') ? signature : `0x${signature}`;
  if (!isHex(signatureHex, 512)) return refuse('bad signature');

  const bodySha256 = sha256Hex(request.body);
  const message = uploadMessage({ netuid: policy.netuid, slug: request.slug, method: request.method, path: request.path, hotkey, nonce, timestamp, bodySha256 });
  // Wallet extensions sign `<Bytes>message</Bytes>`; substrate's keypairs sign the bare message: both are accepted.
  const verifies = (text: string): boolean => {
    try {
      return sr25519Verify(stringToU8a(text), hexToU8a(signatureHex), publicKey);
    } catch {
      return false;
    }
  };
  if (!verifies(message) && !verifies(`<Bytes>${message}</Bytes>`)) return refuse('bad signature');

  const uid = policy.uidOf(hotkey);
  if (uid === undefined && !policy.allowlist?.has(hotkey)) return refuse('unknown hotkey');
  const blocked = policy.blockedUids ?? new Set(DEFAULT_BLOCKED_UIDS);
  if (uid !== undefined && blocked.has(uid)) return refuse('blocked uid');
  return { ok: true, hotkey, uid: uid ?? null, nonce, timestamp: seconds, bodySha256, requestHash: sha256Hex(message) };
}
