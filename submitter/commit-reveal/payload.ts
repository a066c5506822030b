/**
 * What gets committed, SCALE-encoded by hand (the layouts are fixed by the runtime, not by metadata):
 *
 * - timelocked (CRv4) plaintext `WeightsTlockPayload { hotkey: Vec<u8>, uids: Vec<u16>, values: Vec<u16>,
 *   version_key: u64 }` (subtensor `coinbase/reveal_commits.rs`); `hotkey` is the signer's 32-byte public key,
 *   else the chain drops the commit at reveal.
 * - hash (CRv2) commit `blake2_256(SCALE(AccountId32, netuid u16, Vec<u16> uids, Vec<u16> values, Vec<u16> salt,
 *   u64 version_key))` (subtensor `subnets/weights.rs`, `get_commit_hash`).
 */
import { randomBytes } from 'node:crypto';
import { compactFromU8a, compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

export interface WeightsPayload {
  /** The signer's sr25519 public key (32 bytes). */
  hotkey: Uint8Array;
  uids: readonly number[];
  values: readonly number[];
  versionKey: bigint;
}

export function encodeWeightsTlockPayload(payload: WeightsPayload): Uint8Array {
  if (payload.hotkey.length !== 32) throw new RangeError(`hotkey is ${payload.hotkey.length} bytes, expected a 32-byte public key`);
  if (payload.uids.length !== payload.values.length) {
    throw new RangeError(`${payload.uids.length} uids but ${payload.values.length} values`);
  }
  return u8aConcat(compactToU8a(32), payload.hotkey, u16Vec(payload.uids, 'uid'), u16Vec(payload.values, 'value'), u64(payload.versionKey));
}

/** The inverse, for diagnosis and tests; throws on any byte that does not fit. */
export function decodeWeightsTlockPayload(bytes: Uint8Array): WeightsPayload {
  let at = 0;
  const compact = () => {
    const [length, value] = compactFromU8a(bytes.subarray(at));
    at += length;
    return value.toNumber();
  };
  const take = (n: number) => {
    if (at + n > bytes.length) throw new RangeError(`payload truncated at byte ${at}`);
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const u16s = () => {
    const n = compact();
    const raw = Buffer.from(take(2 * n));
    return Array.from({ length: n }, (_, i) => raw.readUInt16LE(2 * i));
  };
  const hotkeyLength = compact();
  if (hotkeyLength !== 32) throw new RangeError(`hotkey is ${hotkeyLength} bytes, expected 32`);
  const hotkey = Uint8Array.from(take(32));
  const uids = u16s();
  const values = u16s();
  const versionKey = Buffer.from(take(8)).readBigUInt64LE(0);
  if (at !== bytes.length) throw new RangeError(`${bytes.length - at} trailing byte(s) after the payload`);
  return { hotkey, uids, values, versionKey };
}

/** A fresh CRv2 salt: 16 random u16 (256 bits). It must stay secret until the reveal. */
export function newSalt(): number[] {
  const raw = randomBytes(32);
  return Array.from({ length: 16 }, (_, i) => raw.readUInt16LE(2 * i));
}

/** The hash `commit_weights` takes and `reveal_weights` must reproduce, as 0x-hex. */
export function hashCommit(input: WeightsPayload & { netuid: number; salt: readonly number[] }): string {
  if (input.hotkey.length !== 32) throw new RangeError(`hotkey is ${input.hotkey.length} bytes, expected a 32-byte public key`);
  const netuid = Buffer.alloc(2);
  netuid.writeUInt16LE(input.netuid);
  const encoded = u8aConcat(
    input.hotkey,
    netuid,
    u16Vec(input.uids, 'uid'),
    u16Vec(input.values, 'value'),
    u16Vec(input.salt, 'salt'),
    u64(input.versionKey),
  );
  return u8aToHex(blake2AsU8a(encoded, 256));
}

function u16Vec(values: readonly number[], what: string): Uint8Array {
  const out = Buffer.alloc(2 * values.length);
  values.forEach((value, i) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${what} ${value} is not a u16`);
    out.writeUInt16LE(value, 2 * i);
  });
  return u8aConcat(compactToU8a(values.length), out);
}

function u64(value: bigint): Uint8Array {
  if (value < 0n || value >= 2n ** 64n) throw new RangeError(`version_key ${value} is not a u64`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(value);
  return out;
}
