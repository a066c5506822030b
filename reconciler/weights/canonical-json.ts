/**
 * Canonical JSON, the byte string a vector's digest is computed over. The rule (that of RFC 8785, JCS):
 * - no whitespace anywhere;
 * - object keys sorted by their UTF-16 code units (JavaScript's default string order), each key once;
 * - strings escaped as `JSON.stringify` escapes them;
 * - numbers written as ECMAScript `Number.prototype.toString` writes them: the shortest decimal that
 *   round-trips to the same IEEE-754 double (`0.30000000000000004`, `1e-7`, `1e+21`, `1` for 1.0, `0` for -0);
 *   NaN and ±Infinity are refused;
 * - only null, booleans, finite numbers, strings, arrays and plain objects; `undefined` anywhere is refused
 *   (an absent field must be absent, or null, on purpose).
 * A verifier in another language parses the JSON numbers as doubles and re-serializes them with this rule.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}; expected a finite number`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}; expected JSON data`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => encode(item, `${path}[${i}]`)).join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`canonicalJson: ${path} is a ${(value as object).constructor?.name ?? 'object'}; expected a plain object`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`)}`).join(',')}}`;
}
