import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateChallengeWeights } from '../aggregate.ts';
import { parseAggregationInput } from '../aggregate-input.ts';
import { loadAggregateFixtures } from './fixtures.ts';

const fixtures = loadAggregateFixtures();

test('all five reference fixtures are present', () => {
  assert.equal(fixtures.length, 5);
});

for (const fixture of fixtures) {
  test(`reproduces ${fixture.name}: uids exact, weights and hotkey_weights within 1e-12`, () => {
    const input = parseAggregationInput(fixture.inputs, fixture.name);
    const result = aggregateChallengeWeights(input.challengeResults, input.hotkeyToUid, input.options);
    assert.deepEqual(result.uids, fixture.expected.uids);
    assert.equal(result.weights.length, fixture.expected.weights.length);
    result.weights.forEach((w, i) => {
      assert.ok(Math.abs(w - (fixture.expected.weights[i] as number)) <= 1e-12, `weights[${i}] ${w} vs ${fixture.expected.weights[i]}`);
    });
    const hotkeyWeights = Object.fromEntries(result.hotkeyWeights);
    assert.deepEqual(Object.keys(hotkeyWeights).sort(), Object.keys(fixture.expected.hotkey_weights).sort());
    for (const [hotkey, expected] of Object.entries(fixture.expected.hotkey_weights)) {
      assert.ok(Math.abs((hotkeyWeights[hotkey] as number) - expected) <= 1e-12, `hotkey_weights.${hotkey}`);
    }
  });
}
