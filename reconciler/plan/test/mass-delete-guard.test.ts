import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MassDeleteRefusedError } from '../guard.ts';
import { plan } from '../plan.ts';
import { compileEdited, convergedLive } from './support/fixtures.ts';

const withoutChallenges = () =>
  compileEdited((doc) => {
    doc.challenges = [];
  });

test('a plan deleting every managed challenge service is refused with the count named', () => {
  const intents = withoutChallenges();
  assert.throws(
    () => plan(intents, convergedLive(intents)),
    (error: unknown) => {
      assert.ok(error instanceof MassDeleteRefusedError);
      assert.equal(error.deletes, 2);
      assert.equal(error.managedChallengeServices, 2);
      assert.match(error.message, /deletes 2 services \(all 2 managed challenge services\)/);
      assert.match(error.message, /t-plan-challenge-alpha, t-plan-challenge-beta/);
      assert.match(error.message, /--allow-mass-delete/);
      return true;
    },
  );
});

test('--allow-mass-delete lets the same plan through', () => {
  const intents = withoutChallenges();
  const result = plan(intents, convergedLive(intents), { allowMassDelete: true });
  assert.equal(result.changes.filter((c) => c.kind === 'service' && c.action === 'delete').length, 2);
});

test('more deletions than maxDeletes are refused even when some challenges remain', () => {
  const intents = compileEdited((doc) => {
    doc.challenges = [doc.challenges[0]];
  });
  assert.doesNotThrow(() => plan(intents, convergedLive(intents)));
  assert.throws(() => plan(intents, convergedLive(intents), { maxDeletes: 0 }), /deletes 1 service \(more than the limit of 0\)/);
});
