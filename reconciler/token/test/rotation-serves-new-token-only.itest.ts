import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { baseCli, changed, Fixture } from '../../apply/test/support.ts';
import { acquireApplyLock } from '../../lock/index.ts';
import { challengeTokenSecretName } from '../../state/index.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';

// A challenge that checks the bearer token against the file named by CHALLENGE_SHARED_TOKEN_FILE on every request.
const SERVER_JS = `
const http = require('http'); const fs = require('fs');
process.on('SIGTERM', () => process.exit(0));
http.createServer((req, res) => {
  const token = fs.readFileSync(process.env.CHALLENGE_SHARED_TOKEN_FILE, 'utf8').trim();
  if (req.url.startsWith('/internal/v1/get_weights')) {
    if (req.headers.authorization !== 'Bearer ' + token) { res.statusCode = 401; return res.end('unauthorized'); }
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ weights: {} }));
  }
  res.end('ok');
}).listen(8000);
`;
const DOCKERFILE = ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'COPY . /app/', 'RUN mkdir -p /data && chown 1000:1000 /data', 'USER node', 'CMD ["/usr/bin/node", "/app/server.js"]', ''].join('\n');

let fx: Fixture;
let image: string;
before(async () => {
  fx = await Fixture.create('rotate');
  image = (await buildTestImage(readTestbedEndpoints(), { repository: 'base-test/token-check', files: { 'server.js': SERVER_JS }, dockerfile: DOCKERFILE })).ref;
});
after(async () => {
  await fx.cleanup();
});

/** HTTP status of get_weights with this bearer token, asked from a container on the challenge network. */
async function getWeightsStatus(token: string): Promise<number> {
  const script = `fetch(process.argv[1], { headers: { authorization: 'Bearer ' + process.env.T } }).then(r => { process.stdout.write(String(r.status)); }, e => { console.error(String(e)); process.exit(3); })`;
  for (let attempt = 0; ; attempt++) {
    // --env T without a value: the docker CLI passes it from its own environment, so the token is in no argv.
    const result = await execa('docker', ['run', '--rm', '--network', fx.network, '--label', `base.test=${fx.prefix}`, '--env', 'T', image, '/usr/bin/node', '-e', script, `http://${fx.service('r')}:8000/internal/v1/get_weights`], { reject: false, env: { T: token } });
    if (result.exitCode === 0) return Number(result.stdout);
    if (attempt >= 10) throw new Error(`get_weights request failed: ${result.stderr}`);
    await sleep(1000);
  }
}

async function tokenRef(): Promise<{ SecretName?: string; File?: { Name?: string; UID?: string; Mode?: number } } | undefined> {
  const info = await fx.serviceInfo(fx.service('r'));
  return ((info.Spec.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec?.Secrets ?? []).find((s) => s.File?.Name === '/run/secrets/base/challenge_token');
}

test('token rotate: new hash-named secret mounted, old one removed, get_weights accepts the new token only; takes the apply lock', async () => {
  await fx.write([{ name: 'r', image }]);
  const applied = await fx.apply();
  assert.equal(applied.outcome.exitCode, 0, applied.output);
  const slug = fx.slug('r');
  const tokenFile = fx.state.tokenPath(slug);
  const oldToken = (await readFile(tokenFile, 'utf8')).trim();
  const oldSecret = challengeTokenSecretName(slug, oldToken);
  assert.equal((await tokenRef())?.SecretName, oldSecret);
  assert.equal(await getWeightsStatus(oldToken), 200);
  assert.equal(await getWeightsStatus('not-the-token'), 401);

  // While another apply holds the lock, rotation refuses (and changes nothing).
  const lock = await acquireApplyLock(fx.state.dir, { timeoutMs: 0, command: 'itest holder' });
  const busy = await baseCli(['token', 'rotate', slug, '--state-dir', fx.state.dir, '--lock-timeout', '0']);
  await lock.release();
  assert.equal(busy.exitCode, 1);
  assert.match(busy.stderr, /another apply holds the lock/);
  assert.equal((await readFile(tokenFile, 'utf8')).trim(), oldToken);

  const rotated = await baseCli(['token', 'rotate', slug, '--state-dir', fx.state.dir, '--rollout-timeout', '90']);
  assert.equal(rotated.exitCode, 0, rotated.stderr + rotated.stdout);
  const newToken = (await readFile(tokenFile, 'utf8')).trim();
  const newSecret = challengeTokenSecretName(slug, newToken);
  assert.notEqual(newToken, oldToken);
  assert.match(newToken, /^[0-9a-f]{64}$/);
  for (const output of [rotated.stdout, rotated.stderr]) {
    assert.ok(!output.includes(oldToken) && !output.includes(newToken), 'no token value is printed');
  }
  assert.match(rotated.stdout, new RegExp(`now mounts ${newSecret}; ${oldSecret} removed`));
  assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
  assert.equal(existsSync(`${tokenFile}.previous`), false, 'the .previous copy goes with the old secret');
  assert.equal(existsSync(`${tokenFile}.next`), false);

  const ref = await tokenRef();
  assert.equal(ref?.SecretName, newSecret);
  assert.equal(ref?.File?.UID, '1000');
  assert.equal(ref?.File?.Mode, 0o400);
  const secrets = (await fx.docker.listSecrets()) as Array<{ Spec: { Name: string; Labels?: Record<string, string> } }>;
  assert.equal(secrets.some((s) => s.Spec.Name === oldSecret), false, 'the old secret is removed');
  const created = secrets.find((s) => s.Spec.Name === newSecret);
  assert.deepEqual(created?.Spec.Labels, { 'base.managed-by': 'base', 'base.challenge.slug': slug, 'base.role': 'challenge-token' });

  assert.equal(await getWeightsStatus(newToken), 200, 'the new token is accepted');
  assert.equal(await getWeightsStatus(oldToken), 401, 'the old token is refused');

  // The state folder and the Swarm agree: a plan right after shows nothing to do.
  assert.deepEqual(changed(await fx.plan()).map((c) => `${c.action} ${c.kind} ${c.name}`), []);
});
