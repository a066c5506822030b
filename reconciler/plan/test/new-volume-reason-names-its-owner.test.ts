import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileEdited, convergedLive } from './support/fixtures.ts';

test('a volume to create is described by whose data it holds: a challenge by its slug, the master as the master', () => {
  const intents = compileEdited(() => {});
  const live = convergedLive(intents);
  live.volumes = [];
  const reasons = plan(intents, live)
    .changes.filter((c) => c.kind === 'volume' && c.action === 'create')
    .map((c) => `${c.name}: ${c.reason}`)
    .sort();
  assert.deepEqual(reasons, [
    't-plan-base-master-data: new master data volume',
    't-plan-challenge-alpha-data: new data volume of challenge alpha',
    't-plan-challenge-beta-data: new data volume of challenge beta',
  ]);
});
