/**
 * A sealed vector stays valid until the next one is sealed: `expires_at − computed_at` is one epoch plus the
 * reference's 720 s by default (or subnet.vector_expiry_seconds), also for hour-long epochs; `base validate` refuses
 * a configured window shorter than the epoch, at its position in subnet.yaml.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { HEADER, withChallenges } from '../../desired-state/test/documents.ts';
import type { ControlPlaneStore } from '../../store/index.ts';
import { EXPIRY_MARGIN_SECONDS, vectorExpirySeconds } from '../../weights/vector.ts';
import { epochLoopConfig } from '../from-desired-state.ts';
import { EPOCH, farFuture, memoryStore, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let store: ControlPlaneStore;
before(async () => {
  subnet = await twoChallengeSubnet();
});
after(async () => {
  await subnet.close();
});

const windowOf = (vector: { computed_at: string; expires_at: string }): number => (Date.parse(vector.expires_at) - Date.parse(vector.computed_at)) / 1000;

test('the default window is one epoch + 720 s, whatever the epoch length', () => {
  assert.equal(EXPIRY_MARGIN_SECONDS, 720);
  assert.equal(vectorExpirySeconds(12), 732);
  assert.equal(vectorExpirySeconds(360), 1080);
  assert.equal(vectorExpirySeconds(3600), 4320);
  assert.equal(vectorExpirySeconds(3600, 7200), 7200, 'subnet.vector_expiry_seconds wins');
});

for (const [interval, configured, expected] of [
  [3600, undefined, 4320],
  [360, undefined, 1080],
  [3600, 3900, 3900],
] as const) {
  test(`a ${interval} s epoch${configured ? ` with vector_expiry_seconds ${configured}` : ''}: the sealed vector is valid ${expected} s, past the next seal`, async () => {
    store = await memoryStore();
    try {
      const config = { ...subnet.config, epochIntervalSeconds: interval, ...(configured ? { vectorExpirySeconds: configured } : {}) };
      const loop = subnet.loop(store, { config: () => config });
      const result = await loop.runEpoch(EPOCH, { retryUntil: farFuture() });
      assert.equal(result.status, 'sealed', JSON.stringify(result));
      const vector = loop.latest()!;
      assert.equal(windowOf(vector), expected);
      assert.ok(windowOf(vector) >= interval, 'still valid when the next epoch is sealed');
    } finally {
      await store.close();
    }
  });
}

test('the loop config takes subnet.vector_expiry_seconds from subnet.yaml, and leaves it out when not set', () => {
  const withExpiry = requireValid(parseDesiredState(withChallenges(undefined, HEADER.replace('  epoch_interval_seconds: 60\n', '  epoch_interval_seconds: 60\n  vector_expiry_seconds: 900\n')), 'subnet.yaml'));
  assert.equal(epochLoopConfig(withExpiry, null).vectorExpirySeconds, 900);
  const without = requireValid(parseDesiredState(withChallenges(), 'subnet.yaml'));
  assert.equal('vectorExpirySeconds' in epochLoopConfig(without, null), false);
});

test('base validate refuses a window shorter than the epoch, at subnet.vector_expiry_seconds', () => {
  const text = withChallenges(undefined, HEADER.replace('  epoch_interval_seconds: 60\n', '  epoch_interval_seconds: 3600\n  vector_expiry_seconds: 720\n'));
  const result = parseDesiredState(text, 'subnet.yaml');
  assert.equal(result.ok, false);
  const problems = result.ok ? [] : result.problems;
  assert.deepEqual(
    problems.map((p) => ({ line: p.line, column: p.column, rule: p.rule })),
    [{ line: 8, column: 26, rule: 'vector-expiry-covers-epoch' }],
  );
  assert.match(problems[0]!.message, /^subnet\.vector_expiry_seconds: found 720, shorter than epoch_interval_seconds \(3600\).*expected at least 3600/);
  const equal = withChallenges(undefined, HEADER.replace('  epoch_interval_seconds: 60\n', '  epoch_interval_seconds: 3600\n  vector_expiry_seconds: 3600\n'));
  assert.equal(parseDesiredState(equal, 'subnet.yaml').ok, true, 'exactly one epoch is allowed');
});
