const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{46,48}$/;

/** An SS58 address's shape (46-48 base58 characters): what the master accepts as a hotkey in a weights answer. */
export function isHotkey(value: unknown): value is string {
  return typeof value === 'string' && BASE58.test(value);
}
