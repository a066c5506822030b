/**
 * Whether a string looks like an SS58 address: only base58 characters, 46 to 48 of them (a 32-byte account id with
 * a one- or two-byte prefix and a two-byte checksum).
 *
 * The checksum is not verified: `@polkadot/util-crypto`'s `checkAddress` costs about 55 µs per address here
 * (3.6 s for 65,536 hotkeys, measured), too slow for one challenge's answer, and it adds nothing to the vector:
 * a key that is not in the metagraph is dropped by the aggregation anyway, and every metagraph hotkey is a
 * valid address. The collector uses this only as the fast path of its key bounds (`weight-key-bounds.ts`): a key
 * need not look like an address to be accepted.
 */
const BASE58 = new Uint8Array(128);
for (const char of '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz') BASE58[char.charCodeAt(0)] = 1;

export const SS58_MIN_LENGTH = 46;
export const SS58_MAX_LENGTH = 48;

export function looksLikeSs58(value: string): boolean {
  const { length } = value;
  if (length < SS58_MIN_LENGTH || length > SS58_MAX_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128 || BASE58[code] === 0) return false;
  }
  return true;
}
