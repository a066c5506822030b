import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileEdited, convergedLive } from './support/fixtures.ts';

test('a network whose options differ (MTU) is an update with the field diff and an explanation', () => {
  const intents = compileEdited((doc) => {
    doc.networks[0].mtu = 1400;
  });
  const [change] = plan(intents, convergedLive(intents)).changes.filter((c) => c.action !== 'no-op');
  assert.equal(change?.kind, 'network');
  assert.equal(change?.name, 't-plan-challenges');
  assert.deepEqual(change?.diffs.map((d) => [d.path, d.before, d.after]), [['mtu', 1450, 1400]]);
  assert.match(change?.reason ?? '', /fixes network options at creation/);
});
