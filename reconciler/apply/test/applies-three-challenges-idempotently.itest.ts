import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { changed, Fixture, testImages } from './support.ts';

let fx: Fixture;
before(async () => {
  fx = await Fixture.create('three');
});
after(async () => {
  await fx.cleanup();
});

test('three challenges run on the encrypted overlay with their env, token and volume; re-plan and re-apply change nothing', async () => {
  const { http } = await testImages();
  await fx.write([
    { name: 'a', image: http, env: { LOG_LEVEL: 'debug' } },
    { name: 'b', image: http },
    { name: 'c', image: http },
  ]);

  const first = await fx.apply();
  assert.equal(first.outcome.status, 'applied', first.output);
  assert.equal(first.outcome.exitCode, 0, first.output);
  if (first.outcome.status !== 'applied') return;
  assert.equal(first.outcome.result.outcome, 'succeeded');
  const created = first.outcome.result.objects.map((o) => `${o.action} ${o.kind} ${o.name}`).sort();
  for (const name of ['a', 'b', 'c']) {
    assert.ok(created.includes(`create service ${fx.service(name)}`), created.join('\n'));
    assert.ok(created.includes(`create volume ${fx.service(name)}-data`), created.join('\n'));
  }
  assert.ok(created.includes(`create network ${fx.network}`));

  // The overlay is encrypted, and the services are on it.
  const network = (await fx.docker.getNetwork(fx.network).inspect()) as { Options?: Record<string, string>; Driver: string; Id: string };
  assert.equal(network.Driver, 'overlay');
  assert.ok(network.Options && 'encrypted' in network.Options, JSON.stringify(network.Options));
  const svc = await fx.serviceInfo(fx.service('a'));
  const task = svc.Spec.TaskTemplate as Docker.ContainerTaskSpec;
  assert.deepEqual(task.Networks?.map((n) => n.Target), [network.Id]);
  // Volatile metadata is at service level only, never in the task template.
  assert.equal(svc.Spec.Labels?.['base.desired-state.revision'], 'itest');
  assert.ok(svc.Spec.Labels?.['base.plan.hash']);
  assert.equal(JSON.stringify(task).includes('base.plan.hash'), false);

  // Reachable by name from a container on the overlay; env and token as specified.
  for (const name of ['a', 'b', 'c']) {
    assert.equal(await fx.fetchOnNetwork(`http://${fx.service(name)}:8000/`), `ok ${fx.slug(name)}`);
  }
  const env = JSON.parse(await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/env`)) as Record<string, string>;
  assert.equal(env.CHALLENGE_DATABASE_URL, 'sqlite+aiosqlite:////data/challenge.sqlite3');
  assert.equal(env.BASE_CHALLENGE_SLUG, fx.slug('a'));
  assert.equal(env.CHALLENGE_SHARED_TOKEN_FILE, '/run/secrets/base/challenge_token');
  assert.equal(env.LOG_LEVEL, 'debug');
  // No control-plane URL, admin token or store credentials.
  for (const key of Object.keys(env)) assert.doesNotMatch(key, /CONTROL|STORE|ADMIN|MASTER|^BASE_DATABASE/, `unexpected ${key}`);
  assert.ok(!Object.values(env).some((v) => v.startsWith('postgres')), 'no control-plane database URL in a challenge env');
  const mounted = await fx.fetchOnNetwork(`http://${fx.service('a')}:8000/token`);
  assert.equal(mounted, await readFile(fx.state.tokenPath(fx.slug('a')), 'utf8'));
  assert.match(mounted, /^[0-9a-f]{64}$/);
  const other = await fx.fetchOnNetwork(`http://${fx.service('b')}:8000/token`);
  assert.notEqual(other, mounted, 'each challenge has its own token');

  // Re-plan at once: zero changes.
  const again = await fx.plan();
  assert.deepEqual(changed(again).map((c) => `${c.action} ${c.kind} ${c.name} ${JSON.stringify(c.diffs)}`), []);

  // Re-apply: no Version bump, no task replaced.
  const versions = await fx.serviceVersions();
  const tasks = await fx.taskIds();
  const second = await fx.apply();
  assert.equal(second.outcome.status, 'no-changes', second.output);
  assert.deepEqual(await fx.serviceVersions(), versions);
  assert.deepEqual(await fx.taskIds(), tasks);
});
