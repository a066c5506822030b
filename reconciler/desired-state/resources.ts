/** Resource quantities as Docker reads them (`docker service create --limit-memory/--limit-cpu`). */

const MEMORY = /^(\d+(?:\.\d+)?) ?([kmgtp])?(i)?(b)?$/i;
const UNIT_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

/**
 * Bytes from `512M`, `4GiB`, `1g`, `1.5G`, `1024`, `100b` or a number of bytes. As in Docker, k/m/g/t/p are
 * multiples of 1024 with or without `i`/`b`. Null when the value does not parse or is negative.
 */
export function parseMemoryBytes(value: string | number): number | null {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }
  if (typeof value !== 'string') return null;
  const match = MEMORY.exec(value.trim());
  if (!match) return null;
  const [, amount = '', unit, binary, bytesSuffix] = match;
  if (binary && !unit) return null; // "10i" is not a size
  if (!unit && !bytesSuffix && amount.includes('.')) return null; // fractional bytes
  const power = unit ? (UNIT_POWER[unit.toLowerCase()] ?? 0) : 0;
  const bytes = Math.floor(Number(amount) * 1024 ** power);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

const DECIMAL = /^(\d+)(?:\.(\d{1,9}))?$/;

/** Nano-CPUs (1 CPU = 1e9) from `2`, `0.5`, `"1.5"`; null when not a non-negative decimal with at most 9 decimals. */
export function parseNanoCpus(value: string | number): number | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value.trim() : '';
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  const nano = Number(whole) * 1e9 + Number(fraction.padEnd(9, '0'));
  return Number.isSafeInteger(nano) ? nano : null;
}
