import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyLiveState } from '../../live/types.ts';
import { plan } from '../plan.ts';
import { compileEdited, compileFixture, convergedLive, fixtureText } from './support/fixtures.ts';

test('creations run networks → secrets → volumes → services (names sorted within a kind)', () => {
  const result = plan(compileFixture(fixtureText('converged.yaml')), emptyLiveState(), { checkExternalSecrets: false });
  assert.deepEqual(
    result.changes.map((c) => `${c.action} ${c.kind} ${c.name}`),
    [
      'create network t-plan-challenges',
      'create network t-plan-workers',
      'create secret t-plan-base-master-signing-key-0123456789ab',
      'create secret t-plan-challenge-alpha-token-0123456789ab',
      'create secret t-plan-challenge-beta-token-0123456789ab',
      'create volume t-plan-base-master-data',
      'create volume t-plan-challenge-alpha-data',
      'create volume t-plan-challenge-beta-data',
      'create service t-plan-base-master',
      'create service t-plan-challenge-alpha',
      'create service t-plan-challenge-beta',
    ],
  );
  assert.deepEqual(result.summary, { add: 11, change: 0, destroy: 0, restarts: 0, unchanged: 0 });
});

test('deletions come after everything else, in reverse kind order: services, then secrets, then networks', () => {
  const intents = compileEdited((doc) => {
    doc.networks = [doc.networks[0]];
    doc.challenges = [{ ...doc.challenges[0], image: doc.challenges[0].image.replace(/sha256:[0-9a-f]{64}/, `sha256:${'cd'.repeat(32)}`), networks: ['challenges'] }];
  });
  const result = plan(intents, convergedLive(intents));
  assert.deepEqual(
    result.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.kind} ${c.name}`),
    [
      'update service t-plan-base-master',
      'update service t-plan-challenge-alpha',
      'delete service t-plan-challenge-beta',
      'delete secret t-plan-challenge-beta-token-0123456789ab',
      'delete network t-plan-workers',
    ],
  );
  const last = result.changes.at(-1);
  assert.equal(last?.action, 'delete');
  assert.equal(last?.kind, 'network');
});
