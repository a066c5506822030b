import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { plan } from '../plan.ts';
import { compileFixture, convergedLive, fixtureText, liveService } from './support/fixtures.ts';

test('a tag-only desired image matches a live image pinned to a digest of that tag (docker service create pins)', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const live = convergedLive(intents);
  const beta = (liveService(live, 't-plan-challenge-beta').Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  beta.Image = `${beta.Image}@sha256:${'e'.repeat(64)}`;
  assert.equal(plan(intents, live).summary.change, 0);
  beta.Image = `127.0.0.1:5000/base/node-runtime:20.20.3@sha256:${'e'.repeat(64)}`;
  assert.equal(plan(intents, live).summary.change, 1);
});
