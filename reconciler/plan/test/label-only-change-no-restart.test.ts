import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileEdited, compileFixture, convergedLive, fixtureText, liveService } from './support/fixtures.ts';

test('changing only the emission percent updates service labels with impact no-restart', () => {
  const intents = compileEdited((doc) => {
    doc.challenges[0].emission_percent = 45;
  });
  const result = plan(intents, convergedLive(intents));
  const changed = result.changes.filter((c) => c.action !== 'no-op');
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.impact, 'no-restart');
  assert.deepEqual(changed[0]?.diffs, [
    { path: 'Labels["base.challenge.emission-percent"]', before: '40', after: '45', sensitive: false, rollsTasks: false },
  ]);
  assert.equal(result.summary.restarts, 0);
});

test('a challenge version bump is a label-only, no-restart change', () => {
  const intents = compileEdited((doc) => {
    doc.challenges[0].version = '1.0.1';
  });
  const [change] = plan(intents, convergedLive(intents)).changes.filter((c) => c.action !== 'no-op');
  assert.equal(change?.impact, 'no-restart');
  assert.deepEqual(change?.diffs.map((d) => d.path), ['Labels["base.challenge.version"]']);
});

test('volatile reconciler labels (revision, plan hash, applied-at) on the live service are never compared', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const alpha = liveService(live, 't-plan-challenge-alpha');
  alpha.Spec.Labels = { ...alpha.Spec.Labels, 'base.desired-state.revision': 'abc', 'base.plan.hash': 'sha256:x', 'base.applied-at': '2026-01-01T00:00:00Z' };
  assert.equal(plan(intents, live).summary.change, 0);
});

test('replicas and update config changes are no-restart; an endpoint (published port) change rolls tasks', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const alpha = liveService(live, 't-plan-challenge-alpha');
  alpha.Spec.Mode = { Replicated: { Replicas: 2 } };
  alpha.Spec.UpdateConfig = { ...alpha.Spec.UpdateConfig!, Parallelism: 3 };
  const master = liveService(live, 't-plan-base-master');
  master.Spec.EndpointSpec = { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 18999, PublishedPort: 18000, PublishMode: 'host' }] };
  const result = plan(intents, live);
  const byName = new Map(result.changes.map((c) => [c.name, c]));
  assert.equal(byName.get('t-plan-challenge-alpha')?.impact, 'no-restart');
  assert.deepEqual(byName.get('t-plan-challenge-alpha')?.diffs.map((d) => d.path), ['Mode.Replicated.Replicas', 'UpdateConfig.Parallelism']);
  assert.equal(byName.get('t-plan-base-master')?.impact, 'rolls-tasks');
  assert.deepEqual(byName.get('t-plan-base-master')?.diffs.map((d) => [d.path, d.before, d.after]), [['EndpointSpec.Ports["18999/tcp"].PublishedPort', 18000, 18999]]);
  assert.equal(result.summary.restarts, 1);
});

test('declaring signed routes is a service-label change with impact no-restart, shown route by route', () => {
  const intents = compileEdited((doc) => {
    doc.challenges[0].signed_routes = [
      { methods: ['PUT', 'GET'], path: '/submissions/{id}/env' },
      { methods: ['POST'], path: '/submissions' },
    ];
  });
  const before = compileFixture(fixtureText('converged.yaml'));
  const result = plan(intents, convergedLive(before));
  const changed = result.changes.filter((c) => c.action !== 'no-op');
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.impact, 'no-restart');
  assert.deepEqual(changed[0]?.diffs, [
    {
      path: 'Labels["base.challenge.signed-routes"]',
      after: 'GET,PUT /submissions/{id}/env; POST /submissions',
      sensitive: false,
      rollsTasks: false,
    },
  ]);
  assert.equal(result.summary.restarts, 0);
  // and back: a live service carrying the label, planned against a file without the declaration, loses it
  const labelled = convergedLive(before);
  const alpha = liveService(labelled, 't-plan-challenge-alpha');
  alpha.Spec.Labels = { ...alpha.Spec.Labels, 'base.challenge.signed-routes': 'POST /submissions' };
  const back = plan(before, labelled).changes.filter((c) => c.action !== 'no-op');
  assert.deepEqual(back.map((c) => [c.impact, c.diffs.map((d) => [d.path, d.after])]), [['no-restart', [['Labels["base.challenge.signed-routes"]', undefined]]]]);
});

test('the agent challenge carries its default signed routes as a label; other slugs carry none', () => {
  const intents = compileEdited((doc) => {
    doc.challenges[0].slug = 'agent-challenge';
  });
  const agent = intents.find((i) => i.kind === 'service' && i.slug === 'agent-challenge');
  assert.ok(agent && agent.kind === 'service');
  assert.match(agent.spec.Labels?.['base.challenge.signed-routes'] ?? '', /^POST \/submissions; GET,PUT \/submissions\/\{id\}\/env; .*GET \/submissions\/\{id\}\/eval\/status$/);
  for (const other of intents.filter((i) => i.kind === 'service' && i.slug !== 'agent-challenge')) {
    assert.equal(other.kind === 'service' ? other.spec.Labels?.['base.challenge.signed-routes'] : undefined, undefined);
  }
});
