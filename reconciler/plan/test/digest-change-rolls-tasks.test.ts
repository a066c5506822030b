import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileEdited, convergedLive } from './support/fixtures.ts';

const NEW_DIGEST = `sha256:${'ab'.repeat(32)}`;

test('a new image digest for one challenge is exactly one update whose impact rolls tasks', () => {
  const intents = compileEdited((doc) => {
    doc.challenges[0].image = doc.challenges[0].image.replace(/sha256:[0-9a-f]{64}/, NEW_DIGEST);
  });
  const result = plan(intents, convergedLive(intents));
  const changed = result.changes.filter((c) => c.action !== 'no-op');
  assert.equal(changed.length, 1);
  const [update] = changed;
  assert.equal(update?.kind, 'service');
  assert.equal(update?.name, 't-plan-challenge-alpha');
  assert.equal(update?.action, 'update');
  assert.equal(update?.impact, 'rolls-tasks');
  assert.deepEqual(update?.diffs.map((d) => d.path), ['TaskTemplate.ContainerSpec.Image']);
  assert.ok(String(update?.diffs[0]?.after).endsWith(NEW_DIGEST));
  assert.equal(update?.diffs[0]?.rollsTasks, true);
  const live = convergedLive().services.find((s) => s.Spec.Name === 't-plan-challenge-alpha');
  assert.deepEqual(update?.live, { id: live?.ID, version: live?.Version?.Index }, 'the update carries the live ID and Version for optimistic concurrency');
  assert.deepEqual(result.summary, { add: 0, change: 1, destroy: 0, restarts: 1, unchanged: 11 });
});
