import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { capturedLive, compileEdited, compileFixture, convergedLive, fixtureText } from './support/fixtures.ts';

const nodeChange = (result: ReturnType<typeof plan>) => result.changes.find((c) => c.kind === 'node');

test('a worker without its labels gets base.workload, the declared labels and the managed-labels record', () => {
  const result = plan(compileFixture(fixtureText('converged.yaml')), capturedLive());
  const change = nodeChange(result);
  assert.equal(change?.action, 'update');
  assert.equal(change?.impact, 'no-restart');
  assert.deepEqual(change?.diffs.map((d) => [d.path, d.before, d.after]), [
    ['labels["base.managed-labels"]', undefined, 'base.workload,region'],
    ['labels["base.workload"]', undefined, 'cpu'],
    ['labels.region', undefined, 'test'],
  ]);
  assert.equal(change?.live?.id, capturedLive().nodes[0]?.ID);
});

test('labels the reconciler does not manage are ignored; a declared label dropped from the file is removed', () => {
  const before = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(before);
  live.nodes[0]!.Spec.Labels = { ...live.nodes[0]!.Spec.Labels, 'operator.note': 'hands off' };
  const intents = compileEdited((doc) => {
    delete doc.workers[0].labels;
    doc.workers[0].availability = 'drain';
  });
  const change = nodeChange(plan(intents, live));
  assert.deepEqual(change?.diffs.map((d) => [d.path, d.before, d.after]), [
    ['availability', 'active', 'drain'],
    ['labels["base.managed-labels"]', 'base.workload,region', 'base.workload'],
    ['labels.region', 'test', undefined],
  ]);
});

test('a desired worker that is not in the Swarm is a warning; nodes absent from the file are left alone', () => {
  const intents = compileEdited((doc) => {
    doc.workers[0].hostname = 'worker-gpu-9';
  });
  const result = plan(intents, capturedLive());
  assert.equal(nodeChange(result), undefined);
  assert.deepEqual(result.warnings.map((w) => [w.kind, w.name, w.code]), [['node', 'worker-gpu-9', 'node-not-found']]);
});
