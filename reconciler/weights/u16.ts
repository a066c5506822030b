/** Largest u16: a weight of 65535 is the full share on chain. */
export const U16_MAX = 65535;

/** A weight vector as it goes on chain: parallel uids and u16 values, zero entries dropped. */
export interface U16Weights {
  uids: number[];
  weights: number[];
}

/** Python's `round(x)` for a float: nearest integer, ties to even (exact for every double). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor; // exact for |x| < 2^52; larger doubles are integers already
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The u16 encoding the Bittensor Python SDK applies before `set_weights`
 * (`convert_weights_and_uids_for_emit`): divide every weight by the largest, `round(w * 65535)` half-to-even,
 * drop the entries that round to 0 (their uids with them). All zeros, or nothing, give an empty vector.
 * The result is not renormalized: the values may sum to a little more or less than 65535 × n.
 */
export function encodeU16(uids: readonly number[], weights: readonly number[]): U16Weights {
  if (uids.length !== weights.length) {
    throw new RangeError(`encodeU16: ${uids.length} uids but ${weights.length} weights; expected the same length`);
  }
  let max = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (!Number.isFinite(w) || w < 0) {
      throw new RangeError(`encodeU16: weights[${i}] is ${w}; expected a finite number >= 0`);
    }
    if (w > max) max = w;
  }
  const out: U16Weights = { uids: [], weights: [] };
  if (max === 0) return out;
  for (let i = 0; i < weights.length; i++) {
    const value = roundHalfEven(((weights[i] as number) / max) * U16_MAX);
    if (value !== 0) {
      out.uids.push(uids[i] as number);
      out.weights.push(value);
    }
  }
  return out;
}
