import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileFixture, convergedLive, fixtureText } from './support/fixtures.ts';

test('a referenced secret the reconciler does not create (admin token, declared secrets) must exist live, else a warning', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  live.secrets = live.secrets.filter((s) => s.Spec.Name !== 't-plan-admin-token');
  const result = plan(intents, live);
  assert.deepEqual(result.warnings.map((w) => [w.kind, w.name, w.code]), [['secret', 't-plan-admin-token', 'secret-not-found']]);
  assert.match(result.warnings[0]?.message ?? '', /used by t-plan-base-master/);
  assert.match(result.warnings[0]?.message ?? '', /docker secret create t-plan-admin-token/);
  // It is external: never created or deleted by the plan.
  assert.ok(!result.changes.some((c) => c.name === 't-plan-admin-token'));
  assert.equal(plan(intents, live, { checkExternalSecrets: false }).warnings.length, 0);
});

test('a managed-labelled secret that a desired service mounts by name is never deleted', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const admin = live.secrets.find((s) => s.Spec.Name === 't-plan-admin-token')!;
  admin.Spec.Labels = { ...admin.Spec.Labels, 'base.managed-by': 'base' };
  const result = plan(intents, live);
  assert.deepEqual(result.changes.filter((c) => c.action !== 'no-op'), []);
});
