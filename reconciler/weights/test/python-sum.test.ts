import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PythonFloatSum, pythonSum, pythonSumArray } from '../python-sum.ts';

// Expected values printed by CPython 3.12.1: `repr(sum(values))`; the last column is a naive left fold, kept to
// show that each case really tells compensated summation apart from `reduce((a, b) => a + b)`.
const cpython312: Array<[values: number[], sum: number, naiveFold: number]> = [
  [Array(10).fill(0.1), 1.0, 0.9999999999999999],
  [[1e100, 1.0, -1e100], 1.0, 0.0],
  [[0.1, 0.2, 0.3], 0.6, 0.6000000000000001],
  [[1.0, 1e-16, 1e-16, 1e-16], 1.0000000000000002, 1.0],
  [[1e16, 1.0, 1.0, -1e16], 2.0, 0.0],
  [[0.3, 0.15, 0.05], 0.5, 0.49999999999999994],
  [[9007199254740992, 1.0, 1.0], 9007199254740994, 9007199254740992],
];

test('sums floats exactly as CPython 3.12 sum() does (Neumaier compensation, in order)', () => {
  for (const [values, expected, naive] of cpython312) {
    assert.equal(values.reduce((a, b) => a + b, 0), naive, `naive fold of ${values.join(', ')}`);
    assert.equal(pythonSum(values), expected, `pythonSum(${values.join(', ')})`);
    assert.equal(pythonSumArray(values), expected, `pythonSumArray(${values.join(', ')})`);
    const acc = new PythonFloatSum();
    for (const v of values) acc.add(v);
    assert.equal(acc.value(), expected);
  }
});

test('the sum of nothing is 0 and a lone negative zero becomes +0 (sum starts from the int 0)', () => {
  assert.ok(Object.is(pythonSum([]), 0));
  assert.ok(Object.is(pythonSum([-0]), 0));
  assert.ok(Object.is(pythonSumArray([-0, -0]), 0));
});

test('an overflowed sum stays infinite instead of turning into NaN through the compensation', () => {
  assert.equal(pythonSum([1e308, 1e308]), Infinity);
  assert.equal(pythonSum([1e308, 1e308, -1e308]), Infinity);
  assert.ok(Number.isNaN(pythonSum([Infinity, -Infinity])));
});

test('pythonSumArray honours an explicit length (prefix of a reused buffer)', () => {
  const buffer = new Float64Array([0.1, 0.2, 0.3, 99]);
  assert.equal(pythonSumArray(buffer, 3), 0.6);
  assert.equal(pythonSumArray(buffer, 0), 0);
});
