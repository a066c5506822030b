import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from '../canonical-json.ts';

test('sorts object keys at every depth by UTF-16 code units and writes no whitespace', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { z: [3, { y: true, x: null }], A: 'x' }, é: 0, Z: 2 }),
    '{"Z":2,"a":{"A":"x","z":[3,{"x":null,"y":true}]},"b":1,"é":0}',
  );
});

test('the same data in any key order gives the same bytes', () => {
  const one = canonicalJson({ uids: [0, 1], weights: [0.25, 0.75], epoch: 7 });
  const two = canonicalJson({ epoch: 7, weights: [0.25, 0.75], uids: [0, 1] });
  assert.equal(one, two);
});

test('numbers use the shortest round-trip form of the double', () => {
  assert.equal(canonicalJson([0.1 + 0.2, 1.0, -0, 1e-7, 1e21, 5e-324, 65535]), '[0.30000000000000004,1,0,1e-7,1e+21,5e-324,65535]');
  for (const x of [0.30000000000000004, 1 / 3, 2 / 3, 1e-300, 123456789.123]) {
    assert.equal(Number(canonicalJson(x)), x);
  }
});

test('escapes strings as JSON does', () => {
  assert.equal(canonicalJson({ 'k"\n': 'a\\b\u0001' }), '{"k\\"\\n":"a\\\\b\\u0001"}');
});

test('refuses values that have no single JSON form', () => {
  assert.throws(() => canonicalJson({ w: [1, NaN] }), /\$\.w\[1\] is NaN/);
  assert.throws(() => canonicalJson({ w: Infinity }), /\$\.w is Infinity/);
  assert.throws(() => canonicalJson({ a: undefined }), /\$\.a is a undefined/);
  assert.throws(() => canonicalJson({ d: new Date(0) }), /\$\.d is a Date/);
  assert.throws(() => canonicalJson({ m: new Map() }), /plain object/);
  assert.throws(() => canonicalJson(10n), /bigint/);
});
