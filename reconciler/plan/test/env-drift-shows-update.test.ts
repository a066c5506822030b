import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { plan } from '../plan.ts';
import { compileFixture, convergedLive, fixtureText, liveService } from './support/fixtures.ts';

test('an env var added by hand (docker service update --env-add X=1) shows as an update that removes it', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const container = (liveService(live, 't-plan-challenge-alpha').Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  container.Env = [...(container.Env ?? []), 'X=1'];
  const changed = plan(intents, live).changes.filter((c) => c.action !== 'no-op');
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.name, 't-plan-challenge-alpha');
  assert.equal(changed[0]?.reason, 'differs from the desired state');
  assert.equal(changed[0]?.impact, 'rolls-tasks');
  assert.deepEqual(changed[0]?.diffs, [{ path: 'TaskTemplate.ContainerSpec.Env.X', before: '1', sensitive: false, rollsTasks: true }]);
});

test('an env value changed by hand shows old → new; env order alone is no change', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const container = (liveService(live, 't-plan-challenge-alpha').Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  container.Env = [...(container.Env ?? [])].reverse().map((e) => (e === 'LOG_LEVEL=info' ? 'LOG_LEVEL=debug' : e));
  const [change] = plan(intents, live).changes.filter((c) => c.action !== 'no-op');
  assert.deepEqual(change?.diffs.map((d) => [d.path, d.before, d.after]), [['TaskTemplate.ContainerSpec.Env.LOG_LEVEL', 'debug', 'info']]);
});
