import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretNamesFromLive } from '../live-secrets.ts';
import { capturedLive } from './support/fixtures.ts';

test('token names come from managed secrets by slug label; the one a live service mounts wins over a newer one', () => {
  const live = capturedLive();
  live.secrets.push({
    ID: 'newer',
    CreatedAt: '2999-01-01T00:00:00Z',
    Spec: { Name: 't-plan-challenge-alpha-token-ffffffffffff', Labels: { 'base.managed-by': 'base', 'base.role': 'challenge-token', 'base.challenge.slug': 'alpha' } },
  });
  live.secrets.push({ ID: 'unmanaged', Spec: { Name: 'challenge-zeta-token-x', Labels: { 'base.role': 'challenge-token', 'base.challenge.slug': 'zeta' } } });
  // The captured Swarm's master is in the fixture namespace: t-plan-base-master.
  const names = secretNamesFromLive(live, 't-plan-base-master');
  assert.deepEqual(names.tokenSecretNames, { alpha: 't-plan-challenge-alpha-token-0123456789ab', beta: 't-plan-challenge-beta-token-0123456789ab' });
  assert.equal(names.signingKeySecretName, 't-plan-base-master-signing-key-0123456789ab');
  // Without a service mounting it, the newest wins.
  live.services = [];
  assert.equal(secretNamesFromLive(live, 't-plan-base-master').tokenSecretNames.alpha, 't-plan-challenge-alpha-token-ffffffffffff');
});

test("another master's signing key on the same Swarm (master.service_name) is never taken for this master's", () => {
  const live = capturedLive();
  live.secrets.push({
    ID: 'demo-master-key',
    CreatedAt: '2999-01-01T00:00:00Z',
    Spec: { Name: 't-plan-demo-master-signing-key-ffffffffffff', Labels: { 'base.managed-by': 'base', 'base.role': 'master-signing-key' } },
  });
  assert.equal(secretNamesFromLive(live, 't-plan-base-master').signingKeySecretName, 't-plan-base-master-signing-key-0123456789ab');
  assert.equal(secretNamesFromLive(live, 't-plan-demo-master').signingKeySecretName, 't-plan-demo-master-signing-key-ffffffffffff');
  assert.equal(secretNamesFromLive(live, 'base-master').signingKeySecretName, null);
});
