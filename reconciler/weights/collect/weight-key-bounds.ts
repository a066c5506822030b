/**
 * The bounds every key of a challenge's `get_weights` answer must keep. A key within them is accepted whatever it
 * looks like: the reference platform's challenges store any miner string, and the aggregation burns the mass of a
 * key that is not on the metagraph, as it does for any unknown hotkey. Only a key outside these bounds fails the
 * whole answer: at most `MAX_WEIGHT_KEY_LENGTH` characters (code points), and printable, that is no control
 * character (C0, DEL, C1) and no lone surrogate, so that every accepted key can be stored (PostgreSQL refuses
 * U+0000) and shown in a log line without escaping.
 */
import { looksLikeSs58 } from './hotkey-shape.ts';

export const MAX_WEIGHT_KEY_LENGTH = 128;

/** Why `key` breaks the bounds, or null when it keeps them. */
export function weightKeyProblem(key: string): string | null {
  // The common case, an SS58 address, is base58 ASCII of a fixed length: nothing more to check.
  if (looksLikeSs58(key)) return null;
  let codePoints = 0;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    codePoints++;
    if (codePoints > MAX_WEIGHT_KEY_LENGTH) return `is longer than ${MAX_WEIGHT_KEY_LENGTH} characters`;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `holds the control character U+${hex4(code)}`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = key.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return `holds a lone surrogate U+${hex4(code)}`;
      i++; // the pair is one character
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return `holds a lone surrogate U+${hex4(code)}`;
    }
  }
  return null;
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}
