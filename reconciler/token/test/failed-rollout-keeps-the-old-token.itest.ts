import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { changed, Fixture } from '../../apply/test/support.ts';
import { challengeTokenSecretName } from '../../state/index.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';
import { rotateChallengeToken, TokenRotateRefused } from '../index.ts';

// Remembers the first token it ran with (in /data) and refuses to start with any other: a challenge that cannot take
// a new token, so the rollout of a rotation fails and Swarm rolls it back.
const SERVER_JS = `
const http = require('http'); const fs = require('fs');
process.on('SIGTERM', () => process.exit(0));
const token = fs.readFileSync(process.env.CHALLENGE_SHARED_TOKEN_FILE, 'utf8').trim();
if (!fs.existsSync('/data/first-token')) fs.writeFileSync('/data/first-token', token);
if (fs.readFileSync('/data/first-token', 'utf8') !== token) { console.error('token changed'); process.exit(1); }
http.createServer((req, res) => res.end('ok')).listen(8000);
`;
const DOCKERFILE = ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'COPY . /app/', 'RUN mkdir -p /data && chown 1000:1000 /data', 'USER node', 'CMD ["/usr/bin/node", "/app/server.js"]', ''].join('\n');

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('rotfail');
});
after(async () => {
  await fx.cleanup();
});

test('token rotate: when Swarm rolls the update back, the old token and secret stay in force and the new secret is removed', { timeout: 300_000 }, async () => {
  const image = (await buildTestImage(readTestbedEndpoints(), { repository: 'base-test/token-pinned', files: { 'server.js': SERVER_JS }, dockerfile: DOCKERFILE })).ref;
  await fx.write([{ name: 'p', image }]);
  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  const slug = fx.slug('p');
  const tokenFile = fx.state.tokenPath(slug);
  const oldToken = (await readFile(tokenFile, 'utf8')).trim();
  const oldSecret = challengeTokenSecretName(slug, oldToken);

  await assert.rejects(
    rotateChallengeToken({ docker: fx.docker, state: fx.state, slug, lockTimeoutMs: 10_000, rollout: { timeoutMs: 120_000, pollMs: 250, stableMs: 1_000 }, releaseTimeoutMs: 30_000 }),
    (error: Error) => error instanceof TokenRotateRefused && /rotation failed, the old token stays in force/.test(error.message),
  );
  assert.equal((await readFile(tokenFile, 'utf8')).trim(), oldToken, 'the token file is unchanged');
  assert.equal(existsSync(`${tokenFile}.next`), false, 'the unused new value is discarded');
  assert.equal(existsSync(`${tokenFile}.previous`), false);
  const info = await fx.serviceInfo(fx.service('p'));
  const ref = ((info.Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Secrets ?? []).find((s) => s.File?.Name === '/run/secrets/base/challenge_token');
  assert.equal(ref?.SecretName, oldSecret, 'Swarm rolled the service back to the old secret');
  const tokenSecrets = ((await fx.docker.listSecrets()) as Array<{ Spec: { Name: string } }>).map((s) => s.Spec.Name).filter((n) => n.startsWith(`challenge-${slug}-token-`));
  assert.deepEqual(tokenSecrets, [oldSecret], 'only the old secret remains');
  assert.deepEqual(changed(await fx.plan()).map((c) => `${c.action} ${c.kind} ${c.name}`), [], 'still converged');
});
