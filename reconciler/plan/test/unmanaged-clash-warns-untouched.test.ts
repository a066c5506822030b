import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MANAGED_BY_LABEL } from '../model.ts';
import { plan } from '../plan.ts';
import { compileFixture, convergedLive, fixtureText, liveService } from './support/fixtures.ts';

test('an unmanaged service whose name clashes with a desired one is a warning and is never changed', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const alpha = liveService(live, 't-plan-challenge-alpha');
  const labels = { ...alpha.Spec.Labels };
  delete labels[MANAGED_BY_LABEL];
  alpha.Spec.Labels = labels;
  alpha.Spec.TaskTemplate = { ...alpha.Spec.TaskTemplate, ForceUpdate: 7 };
  const result = plan(intents, live);
  assert.ok(!result.changes.some((c) => c.name === 't-plan-challenge-alpha'), 'no create, update or delete for the clashing name');
  assert.deepEqual(result.warnings.map((w) => [w.kind, w.name, w.code]), [['service', 't-plan-challenge-alpha', 'name-clash-unmanaged']]);
  assert.match(result.warnings[0]?.message ?? '', /not managed by base/);
});

test('unmanaged networks, secrets and volumes with desired names are warnings; unmanaged extras are ignored', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const network = live.networks.find((n) => n.Name === 't-plan-challenges')!;
  network.Labels = {};
  const volume = live.volumes.find((v) => v.Name === 't-plan-challenge-alpha-data')!;
  volume.Labels = null;
  live.services.push({ ID: 'x1', Version: { Index: 3 }, Spec: { Name: 'someone-elses-service', Labels: {} } });
  live.secrets.push({ ID: 'x2', Version: { Index: 3 }, Spec: { Name: 'someone-elses-secret' } });
  const result = plan(intents, live);
  assert.deepEqual(result.changes.filter((c) => c.action !== 'no-op'), []);
  assert.deepEqual(result.warnings.map((w) => `${w.code} ${w.kind} ${w.name}`), [
    'name-clash-unmanaged network t-plan-challenges',
    'name-clash-unmanaged volume t-plan-challenge-alpha-data',
  ]);
});
