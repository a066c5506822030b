/**
 * Float summation with the exact semantics of CPython 3.12's built-in `sum()` over floats
 * (Python/bltinmodule.c, builtin_sum_impl, the float fast path):
 *
 * - `sum()` starts from the int `0`; the first float item turns it into `0 + x` (so `-0.0` becomes `0.0`);
 * - every further float is added with Neumaier's improved Kahan–Babuška compensation:
 *     t = hi + x;  lo += |hi| >= |x| ? (hi - t) + x : (x - t) + hi;  hi = t
 * - at the end the compensation is added once, only when it is non-zero and finite
 *   (so a negative zero keeps its sign and an overflowed sum does not become NaN);
 * - the sum of nothing is `0`.
 *
 * The reference master sums with `sum()`, so any other order or algorithm can move the last bits.
 */
export class PythonFloatSum {
  private hi = 0;
  private lo = 0;
  private started = false;

  add(x: number): void {
    if (!this.started) {
      this.started = true;
      this.hi = 0 + x;
      return;
    }
    const hi = this.hi;
    const t = hi + x;
    if (Math.abs(hi) >= Math.abs(x)) this.lo += hi - t + x;
    else this.lo += x - t + hi;
    this.hi = t;
  }

  /** The value `sum()` would return for the items added so far. */
  value(): number {
    const lo = this.lo;
    return lo !== 0 && Number.isFinite(lo) ? this.hi + lo : this.hi;
  }
}

/** `sum(values)` as CPython 3.12 computes it for floats, in the given order. */
export function pythonSum(values: Iterable<number>): number {
  const acc = new PythonFloatSum();
  for (const x of values) acc.add(x);
  return acc.value();
}

/** Same as `pythonSum`, for an array prefix, without an iterator (hot paths). */
export function pythonSumArray(values: ArrayLike<number>, length = values.length): number {
  if (length === 0) return 0;
  let hi = 0 + (values[0] as number);
  let lo = 0;
  for (let i = 1; i < length; i++) {
    const x = values[i] as number;
    const t = hi + x;
    if (Math.abs(hi) >= Math.abs(x)) lo += hi - t + x;
    else lo += x - t + hi;
    hi = t;
  }
  return lo !== 0 && Number.isFinite(lo) ? hi + lo : hi;
}
