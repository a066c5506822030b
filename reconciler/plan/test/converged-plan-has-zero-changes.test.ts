import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../plan.ts';
import { compileFixture, convergedLive, capturedLive, fixtureText } from './support/fixtures.ts';

test('an unchanged file against its own converged Swarm (captured inspect JSON) plans zero changes', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const result = plan(intents, convergedLive(intents));
  assert.deepEqual(
    result.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.kind} ${c.name}`),
    [],
  );
  assert.deepEqual(result.summary, { add: 0, change: 0, destroy: 0, restarts: 0, unchanged: result.changes.length });
  assert.equal(result.warnings.length, 0);
  // Every desired object is paired with its live counterpart: 2 networks, 3 secrets, 3 volumes, 3 services, 1 node.
  assert.equal(result.changes.length, 12);
  assert.ok(result.changes.every((c) => c.impact === 'none' && c.diffs.length === 0));
});

test('plan hash and live fingerprint are stable across runs and sensitive to the live state', () => {
  const intents = compileFixture(fixtureText('converged.yaml'));
  const a = plan(intents, convergedLive(intents));
  const b = plan(compileFixture(fixtureText('converged.yaml')), convergedLive(intents));
  assert.equal(a.hash, b.hash);
  assert.equal(a.live_fingerprint, b.live_fingerprint);
  assert.match(a.hash, /^sha256:[0-9a-f]{64}$/);
  const moved = convergedLive(intents);
  moved.services[0]!.Version = { Index: (moved.services[0]!.Version?.Index ?? 0) + 1 };
  assert.notEqual(plan(intents, moved).live_fingerprint, a.live_fingerprint);
});

test('the captured node without the managed labels is the only change', () => {
  const result = plan(compileFixture(fixtureText('converged.yaml')), capturedLive());
  assert.deepEqual(
    result.changes.filter((c) => c.action !== 'no-op').map((c) => `${c.action} ${c.kind} ${c.name}`),
    ['update node vm'],
  );
});
