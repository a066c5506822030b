import { createHash } from 'node:crypto';

/**
 * A challenge's raw answer, as received (hotkey order kept: aggregation adds hotkeys in first-seen order).
 * JSON has no NaN/Infinity: a non-finite number is stored as null (aggregation drops both alike).
 */
export type RawWeights = Record<string, number | null>;

/**
 * The stored form of a raw weights map: keys in the order received, non-finite numbers as null (JSON cannot carry
 * NaN/Infinity). Rejects values that are neither numbers nor null.
 */
export function normalizeRawWeights(weights: Readonly<Record<string, unknown>>): RawWeights {
  // Object.fromEntries defines own properties, so even a "__proto__" key stays plain data.
  return Object.fromEntries(
    Object.entries(weights).map(([hotkey, value]): [string, number | null] => {
      if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return [hotkey, null];
      if (typeof value === 'number') return [hotkey, value];
      throw new TypeError(`weights[${JSON.stringify(hotkey)}]: expected a number or null, found ${typeof value}`);
    }),
  );
}

/**
 * Canonical body of a weights map: a JSON object with keys sorted by UTF-16 code units, no whitespace, numbers as
 * JavaScript prints them (shortest round-trip form). Two answers with the same entries in any order are equal.
 */
export function canonicalWeightsJson(weights: RawWeights): string {
  const keys = Object.keys(weights).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(weights[key] ?? null)}`).join(',')}}`;
}

/** SHA-256 (64 lowercase hex digits, no prefix, like the vector digest) of the canonical body. */
export function snapshotDigest(weights: RawWeights): string {
  return createHash('sha256').update(canonicalWeightsJson(weights), 'utf8').digest('hex');
}
