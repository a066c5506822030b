import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile, externalSecretNames } from '../compile.ts';
import type { ServiceIntent } from '../model.ts';
import { plan } from '../plan.ts';
import { compileFixture, convergedLive, fixtureText } from './support/fixtures.ts';

const WITH_DATABASE = fixtureText('converged.yaml').replace('  admin_token_secret: admin-token\n', '  admin_token_secret: admin-token\n  database_url_secret: control-db-url\n');

function masterContainer(text: string): Docker.ContainerSpec {
  const intents = compile(requireValid(parseDesiredState(text, 'f.yaml')), { signingKeySecretName: 'base-master-signing-key-bbbbbbbbbbbb' });
  const master = intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'base-master')!;
  return (master.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
}

test('master.database_url_secret is mounted at /run/secrets/base/database_url (0400) and env holds only that path', () => {
  assert.notEqual(WITH_DATABASE, fixtureText('converged.yaml'), 'the fixture edit applied');
  const c = masterContainer(WITH_DATABASE);
  const ref = c.Secrets?.find((s) => s.SecretName === 'control-db-url');
  assert.deepEqual(ref?.File, { Name: '/run/secrets/base/database_url', UID: '1000', GID: '1000', Mode: 0o400 });
  assert.ok(c.Env?.includes('BASE_DATABASE_URL_FILE=/run/secrets/base/database_url'), (c.Env ?? []).join('\n'));
  // Never the URL itself: no BASE_DATABASE_URL= entry, nothing that looks like a PostgreSQL URL.
  assert.ok(!c.Env?.some((e) => e.startsWith('BASE_DATABASE_URL=')));
  assert.ok(!c.Env?.some((e) => /postgres(ql)?:\/\//i.test(e)));
});

test('without database_url_secret (development) the master gets neither the mount nor the env', () => {
  const c = masterContainer(fixtureText('converged.yaml'));
  assert.ok(!c.Secrets?.some((s) => s.File?.Name === '/run/secrets/base/database_url'));
  assert.ok(!c.Env?.some((e) => e.startsWith('BASE_DATABASE_URL')));
});

test('the database URL secret is external: listed, never created, and a missing one is reported like the admin token', () => {
  const intents = compileFixture(WITH_DATABASE);
  assert.ok(externalSecretNames(intents).includes('t-plan-control-db-url'), externalSecretNames(intents).join(', '));
  assert.ok(!intents.some((i) => i.kind === 'secret' && i.name === 't-plan-control-db-url'));
  // The converged live state was captured without it: the plan warns that it does not exist.
  const result = plan(intents, convergedLive(intents));
  const warning = result.warnings.find((w) => w.name === 't-plan-control-db-url');
  assert.equal(warning?.code, 'secret-not-found');
  assert.match(warning?.message ?? '', /used by t-plan-base-master/);
  assert.ok(!result.changes.some((c) => c.name === 't-plan-control-db-url'));
});
