import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMemoryBytes, parseNanoCpus } from '../resources.ts';

test('memory sizes read as Docker reads them (k/m/g are 1024 multiples)', () => {
  const cases: [string | number, number][] = [
    ['512M', 512 * 1024 ** 2],
    ['4GiB', 4 * 1024 ** 3],
    ['1g', 1024 ** 3],
    ['1.5G', 1.5 * 1024 ** 3],
    ['100', 100],
    ['100b', 100],
    ['64k', 65536],
    ['2 GB', 2 * 1024 ** 3],
    ['1t', 1024 ** 4],
    [1048576, 1048576],
    [0, 0],
  ];
  for (const [input, bytes] of cases) assert.equal(parseMemoryBytes(input), bytes, String(input));
});

test('memory values that do not parse give null', () => {
  for (const bad of ['12X', '', 'G', '-1G', '1.5', '1..5G', '10i', 'lots', -5, 1.5, Number.NaN, Infinity]) {
    assert.equal(parseMemoryBytes(bad), null, String(bad));
  }
});

test('CPU counts become nano-CPUs', () => {
  const cases: [string | number, number][] = [[2, 2e9], ['1.5', 1.5e9], [0.5, 5e8], ['0.000000001', 1], [0, 0], [' 3 ', 3e9]];
  for (const [input, nano] of cases) assert.equal(parseNanoCpus(input), nano, String(input));
});

test('CPU values that do not parse give null', () => {
  for (const bad of ['two', '', '-1', '0.0000000001', '1e3', '1,5', -2, Infinity, Number.NaN]) {
    assert.equal(parseNanoCpus(bad), null, String(bad));
  }
});
