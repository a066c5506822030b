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
  const names = secretNamesFromLive(live);
  assert.deepEqual(names.tokenSecretNames, { alpha: 't-plan-challenge-alpha-token-0123456789ab', beta: 't-plan-challenge-beta-token-0123456789ab' });
  assert.equal(names.signingKeySecretName, 't-plan-base-master-signing-key-0123456789ab');
  // Without a service mounting it, the newest wins.
  live.services = [];
  assert.equal(secretNamesFromLive(live).tokenSecretNames.alpha, 't-plan-challenge-alpha-token-ffffffffffff');
});
