import assert from 'node:assert/strict';
import { test } from 'node:test';
import YAML from 'yaml';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import { plan } from '../plan.ts';
import { intoTestNamespace } from './support/test-objects.ts';
import { convergedLive, fixtureText, FIXTURE_PREFIX, FIXTURE_SECRET_NAMES, FIXTURE_TAG } from './support/fixtures.ts';

test('a new token secret name: create the secret, update the service (rolls tasks), then delete the old secret', () => {
  const state = requireValid(parseDesiredState(YAML.stringify(YAML.parse(fixtureText('converged.yaml'))), 'f.yaml'));
  const names = { ...FIXTURE_SECRET_NAMES, tokenSecretNames: { ...FIXTURE_SECRET_NAMES.tokenSecretNames, alpha: 'challenge-alpha-token-fedcba987654' } };
  const intents = intoTestNamespace(compile(state, names), FIXTURE_PREFIX, FIXTURE_TAG);
  const result = plan(intents, convergedLive(intents));
  const changed = result.changes.filter((c) => c.action !== 'no-op');
  assert.deepEqual(changed.map((c) => `${c.action} ${c.kind} ${c.name}`), [
    'create secret t-plan-challenge-alpha-token-fedcba987654',
    // The master collects with every token: it mounts the new one too.
    'update service t-plan-base-master',
    'update service t-plan-challenge-alpha',
    'delete secret t-plan-challenge-alpha-token-0123456789ab',
  ]);
  const master = changed[1];
  assert.deepEqual(master?.diffs.map((d) => [d.path, d.before, d.after]), [
    ['TaskTemplate.ContainerSpec.Secrets["/run/secrets/base/tokens/alpha"].SecretName', 't-plan-challenge-alpha-token-0123456789ab', 't-plan-challenge-alpha-token-fedcba987654'],
  ]);
  const update = changed[2];
  assert.equal(update?.impact, 'rolls-tasks');
  assert.deepEqual(update?.diffs.map((d) => [d.path, d.before, d.after, d.sensitive]), [
    ['TaskTemplate.ContainerSpec.Secrets["/run/secrets/base/challenge_token"].SecretName', 't-plan-challenge-alpha-token-0123456789ab', 't-plan-challenge-alpha-token-fedcba987654', false],
  ]);
});
