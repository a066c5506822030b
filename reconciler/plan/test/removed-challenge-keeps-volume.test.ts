import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileEdited, convergedLive } from './support/fixtures.ts';

function changeLines(intents: ReturnType<typeof compileEdited>) {
  return plan(intents, convergedLive(intents)).changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.kind} ${c.name}`);
}

test('a challenge removed from the file: its service and token secret are deleted, its volume is kept', () => {
  const intents = compileEdited((doc) => {
    doc.challenges = doc.challenges.filter((c: { slug: string }) => c.slug !== 'beta');
  });
  // The master stops mounting beta's token before the secret goes.
  assert.deepEqual(changeLines(intents), ['update service t-plan-base-master', 'delete service t-plan-challenge-beta', 'delete secret t-plan-challenge-beta-token-0123456789ab']);
  const result = plan(intents, convergedLive(intents));
  assert.ok(!result.changes.some((c) => c.kind === 'volume' && c.action === 'delete'));
  const deleted = result.changes.find((c) => c.name === 't-plan-challenge-beta');
  assert.match(deleted?.reason ?? '', /volume is kept/);
  assert.equal(deleted?.live?.id, convergedLive().services.find((s) => s.Spec.Name === 't-plan-challenge-beta')?.ID);
});

test('status inactive (or draft) plans the same as removal: no service, volume kept', () => {
  for (const status of ['inactive', 'draft']) {
    const intents = compileEdited((doc) => {
      doc.challenges[1].status = status;
    });
    assert.deepEqual(changeLines(intents), ['update service t-plan-base-master', 'delete service t-plan-challenge-beta', 'delete secret t-plan-challenge-beta-token-0123456789ab'], status);
  }
});

test('no plan ever deletes a managed volume, even one no challenge mentions', () => {
  const intents = compileEdited((doc) => {
    doc.challenges = [doc.challenges[0]];
  });
  const live = convergedLive(intents);
  live.volumes.push({ Name: 't-plan-orphan-data', Labels: { 'base.managed-by': 'base' } });
  const result = plan(intents, live, { allowMassDelete: true });
  assert.ok(!result.changes.some((c) => c.kind === 'volume' && c.action !== 'no-op'));
});
