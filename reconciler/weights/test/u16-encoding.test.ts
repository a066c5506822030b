import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeU16, roundHalfEven } from '../u16.ts';

test('rounds exact halves to the even neighbour, like Python round()', () => {
  assert.equal(roundHalfEven(0.5), 0);
  assert.equal(roundHalfEven(1.5), 2);
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(32767.5), 32768);
  assert.equal(roundHalfEven(32768.5), 32768);
  assert.equal(roundHalfEven(2.4999999999999996), 2);
  assert.equal(roundHalfEven(2.5000000000000004), 3);
  assert.equal(roundHalfEven(0), 0);
});

test('divides by the largest weight before scaling, so the largest becomes 65535', () => {
  assert.deepEqual(encodeU16([0, 5, 15, 30], [0.5, 0.05, 0.15, 0.3]), {
    uids: [0, 5, 15, 30],
    // Python: [round(w / 0.5 * 65535) for w in (0.5, 0.05, 0.15, 0.3)]
    weights: [65535, 6554, 19660, 39321],
  });
  assert.deepEqual(encodeU16([1, 2], [0.5, 0.5]), { uids: [1, 2], weights: [65535, 65535] });
});

test('exact halves after scaling go to the even u16 (values checked against CPython 3.12 round())', () => {
  // (k + 0.5) / 65535 * 65535 is exactly k + 0.5 in doubles for these k; the max weight is 1.0.
  const halves = [0, 1, 2, 3, 100, 101, 32767, 32768].map((k) => (k + 0.5) / 65535);
  for (const w of halves) assert.equal(Number.isInteger((w / 1) * 65535 - 0.5), true);
  const encoded = encodeU16([1, 2, 3, 4, 5, 6, 7, 8, 9], [1.0, ...halves]);
  // 0.5 -> 0 is dropped (uid 2 disappears); 1.5 -> 2, 2.5 -> 2, 3.5 -> 4, 100.5 -> 100, 101.5 -> 102, ...
  assert.deepEqual(encoded, {
    uids: [1, 3, 4, 5, 6, 7, 8, 9],
    weights: [65535, 2, 2, 4, 100, 102, 32768, 32768],
  });
});

test('drops entries that round to 0 and keeps uids aligned with the remaining values', () => {
  const encoded = encodeU16([3, 7, 9], [1, 1e-6, 0.25]);
  assert.deepEqual(encoded, { uids: [3, 9], weights: [65535, 16384] });
});

test('an empty vector or an all-zero vector encodes to nothing', () => {
  assert.deepEqual(encodeU16([], []), { uids: [], weights: [] });
  assert.deepEqual(encodeU16([0, 1], [0, 0]), { uids: [], weights: [] });
});

test('rejects negative or non-finite weights and mismatched lengths', () => {
  assert.throws(() => encodeU16([1, 2], [0.5, -0.1]), /weights\[1\] is -0.1/);
  assert.throws(() => encodeU16([1], [NaN]), /weights\[0\] is NaN/);
  assert.throws(() => encodeU16([1, 2], [1]), /2 uids but 1 weights/);
});
