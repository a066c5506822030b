import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { compile } from '../compile.ts';
import type { SecretIntent, ServiceIntent } from '../model.ts';
import { fixtureText } from './support/fixtures.ts';

test('the master service: host-mode port, every network, the Docker socket, admin token and signing key by file', () => {
  const intents = compile(requireValid(parseDesiredState(fixtureText('converged.yaml'), 'f.yaml')), { signingKeySecretName: 'base-master-signing-key-bbbbbbbbbbbb' });
  const master = intents.find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'base-master')!;
  assert.equal(master.slug, null);
  assert.deepEqual(master.spec.EndpointSpec, { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 18999, PublishedPort: 18999, PublishMode: 'host' }] });
  const task = master.spec.TaskTemplate as Docker.ContainerTaskSpec;
  assert.deepEqual(task.Networks?.map((n) => [n.Target, n.Aliases]), [['challenges', ['base-master']], ['workers', ['base-master']]]);
  const c = task.ContainerSpec!;
  assert.equal(c.Image, '127.0.0.1:5000/base/node-runtime:20.20.2@sha256:2d23f53a8e67e636aec45dcccca869d6662e8c431a00d4f273b95efe95e7f9fe');
  // In the order `docker service update` writes them back (by source, then target).
  assert.deepEqual(c.Mounts, [
    { Type: 'tmpfs', Source: '', Target: '/tmp', TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1777 } },
    { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' },
    { Type: 'volume', Source: 'base-master-data', Target: '/var/lib/base' },
  ]);
  // Every active challenge's token (pending names here: not minted yet), one file per slug, owned by uid 1000, 0400.
  assert.deepEqual(c.Secrets?.map((s) => [s.SecretName, s.File?.Name]), [
    ['admin-token', '/run/secrets/base/admin_token'],
    ['base-master-signing-key-bbbbbbbbbbbb', '/run/secrets/base/master_signing_key'],
    ['challenge-alpha-token-(minted at apply)', '/run/secrets/base/tokens/alpha'],
    ['challenge-beta-token-(minted at apply)', '/run/secrets/base/tokens/beta'],
  ]);
  for (const ref of c.Secrets ?? []) assert.deepEqual([ref.File?.UID, ref.File?.GID, ref.File?.Mode], ['1000', '1000', 0o400]);
  assert.ok(c.Env?.includes('BASE_CHALLENGE_TOKENS_DIR=/run/secrets/base/tokens'));
  assert.ok(c.Env?.includes('BASE_STATE_DIR=/var/lib/base'));
  // Without the socket's gid as input, no supplementary group.
  assert.equal(c.Groups, undefined);
  const volume = intents.find((i) => i.kind === 'volume' && i.name === 'base-master-data');
  assert.deepEqual(volume?.kind === 'volume' ? volume.labels : null, { 'base.managed-by': 'base', 'base.role': 'master' });
  // Env names the secret files, never values.
  assert.ok(c.Env?.includes('BASE_ADMIN_TOKEN_FILE=/run/secrets/base/admin_token'));
  assert.ok(c.Env?.includes('BASE_MASTER_SIGNING_KEY_FILE=/run/secrets/base/master_signing_key'));
  const key = intents.find((i): i is SecretIntent => i.kind === 'secret' && i.source.type === 'master-signing-key');
  assert.equal(key?.name, 'base-master-signing-key-bbbbbbbbbbbb');
  // The admin token is external: referenced, never created.
  assert.ok(!intents.some((i) => i.kind === 'secret' && i.name === 'admin-token'));
});

test('the master joins the Docker socket group when its gid is given (compile stays pure: the gid is an input)', () => {
  const state = requireValid(parseDesiredState(fixtureText('converged.yaml'), 'f.yaml'));
  const master = compile(state, { dockerSocketGid: 998 }).find((i): i is ServiceIntent => i.kind === 'service' && i.name === 'base-master')!;
  assert.deepEqual((master.spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Groups, ['998']);
});
