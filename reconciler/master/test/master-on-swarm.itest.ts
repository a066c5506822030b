/**
 * End to end on the test bed: the reconciler (executor API) deploys the master, built from the repository's
 * Dockerfile against the test bed's base image, plus two tiny challenge services on an encrypted overlay.
 * Requests to 127.0.0.1:18180/challenges/<slug>/... reach the right service by overlay DNS; a challenge scaled to 0
 * gives the safe 502; the registry shows live health; admin routes refuse without the token.
 *
 * Isolation: the master service is `<prefix>-master` (not the global base-master, which a demo may run), its
 * signing key secret and the admin token are `<prefix>-...`; the whole run is scoped to the prefix and removed at
 * the end.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { stringify } from 'yaml';
import { applyPlan } from '../../apply/index.ts';
import { compileIntents, observeScoped, scopeIntents } from '../../apply/pipeline.ts';
import { resolvePendingSecretNames } from '../../apply/resolve-pending.ts';
import { parseDesiredState, requireValid } from '../../desired-state/index.ts';
import { plan as makePlan, type SecretIntent } from '../../plan/index.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';
import { waitUntil } from '../../testbed/test-objects.ts';
import { Fixture } from '../../apply/test/support.ts';
import { buildMasterImage, isolateMaster } from './swarm-master.ts';

const PORT = 18180;
const endpoints = readTestbedEndpoints();

const CHALLENGE_JS = `
const http = require('node:http');
process.on('SIGTERM', () => process.exit(0));
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/health') return res.end(JSON.stringify({ status: 'ok' }));
  if (req.url === '/version') return res.end(JSON.stringify({ version: 'itest-1' }));
  res.end(JSON.stringify({ slug: process.env.BASE_CHALLENGE_SLUG, url: req.url, proxySlug: req.headers['x-base-challenge-slug'] || null, admin: req.headers['x-admin-token'] || null }));
}).listen(8000);
`;

let fx: Fixture;
let adminToken: string;
const base = `http://127.0.0.1:${PORT}`;

async function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${base}${pathname}`, { headers, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

let signingKeySecret: string | null = null;

before(async () => {
  fx = await Fixture.create('mst');
});

after(async () => {
  await fx?.cleanup();
  if (signingKeySecret) await fx.docker.getSecret(signingKeySecret).remove().catch(() => undefined);
});

test('the reconciler deploys the master and two challenges; the master proxies by overlay DNS, reports health, guards admin', async () => {
  const [masterImage, challenge] = await Promise.all([
    buildMasterImage(endpoints, 'base-test/master', 'itest'),
    buildTestImage(endpoints, { repository: 'base-test/master-itest-challenge', files: { 'server.js': CHALLENGE_JS } }),
  ]);
  const prefix = fx.prefix;
  adminToken = randomBytes(24).toString('hex');
  await fx.docker.createSecret({ Name: `${prefix}-admin-token`, Labels: { 'base.test': prefix }, Data: Buffer.from(adminToken).toString('base64') } as never);

  const doc = {
    version: 1,
    subnet: { name: 'itest', netuid: 2, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
    master: { image: masterImage, port: PORT, admin_token_secret: `${prefix}-admin-token` },
    networks: [{ name: fx.network, encrypted: true, mtu: 1450, attachable: true }],
    challenges: [
      { slug: fx.slug('a'), name: 'Challenge A', image: challenge.ref, status: 'active', emission_percent: 10, env: { MODE: 'env-value-never-in-registry' } },
      { slug: fx.slug('b'), name: 'Challenge B', image: challenge.ref, status: 'active', emission_percent: 20 },
    ],
  };
  const desired = requireValid(parseDesiredState(stringify(doc), 'master-itest/subnet.yaml'));

  // Executor API, as `base apply` runs it on a first deploy: compile for this Engine (the socket's group, the state
  // folder's applied desired-state copy mounted into the master) → record the copy → isolate the master → plan
  // against the scoped live state → apply.
  const compiled = isolateMaster(await compileIntents(desired, fx.state, true, fx.docker), prefix);
  await fx.state.writeAppliedDesiredState(stringify(desired));
  const signingKey = compiled.find((i): i is SecretIntent => i.kind === 'secret' && i.source.type === 'master-signing-key')!.name;
  signingKeySecret = signingKey;
  const scope = { namePrefixes: [...fx.scope.namePrefixes, signingKey] };
  const intents = scopeIntents(compiled, scope);
  const live = await observeScoped(fx.docker, scope);
  const plan = await resolvePendingSecretNames(makePlan(intents.filter((i) => i.kind !== 'node'), live, { revision: 'master-itest' }), fx.state);
  const result = await applyPlan(plan, fx.docker, { state: fx.state, revision: 'master-itest', rollout: { timeoutMs: 180_000, pollMs: 500 } });
  assert.equal(result.outcome, 'succeeded', JSON.stringify(result.objects, null, 2));
  const names = result.objects.map((o) => `${o.action} ${o.kind} ${o.name}`);
  assert.ok(names.includes(`create service ${prefix}-master`), names.join('\n'));

  // The master answers on the published host-mode port.
  await waitUntil('the master to answer /health', async () => ((await get('/health')).status === 200 ? true : undefined), 120_000, 1_000);

  // Each slug reaches its own service over the overlay, with the master's identity headers, never the admin token.
  for (const name of ['a', 'b']) {
    const response = await waitUntil(`the proxy to reach ${fx.slug(name)}`, async () => {
      const r = await get(`/challenges/${fx.slug(name)}/hello?x=1`, { 'x-admin-token': adminToken });
      return r.status === 200 ? r : undefined;
    }, 60_000, 1_000);
    assert.deepEqual(JSON.parse(response.body), { slug: fx.slug(name), url: '/hello?x=1', proxySlug: fx.slug(name), admin: null });
  }
  const blocked = await get(`/challenges/${fx.slug('a')}/internal/v1/get_weights`);
  assert.equal(blocked.status, 403);
  assert.equal((await get('/challenges/not-a-challenge/x')).status, 404);

  // Live health in the registry: probe results and running tasks from the Docker API.
  const registry = await waitUntil('the registry to show probed, running challenges', async () => {
    const r = JSON.parse((await get('/v1/registry')).body) as {
      desired_state_revision: string | null;
      master_signing_public_key: string | null;
      challenges: Array<{ slug: string; health: { running_tasks: number | null; probe: { ok: boolean; version: string | null } | null } }>;
    };
    const ready = r.challenges.length === 2 && r.challenges.every((c) => c.health.probe?.ok === true && c.health.running_tasks === 1);
    return ready ? r : undefined;
  }, 90_000, 2_000);
  assert.deepEqual(registry.challenges.map((c) => [c.slug, c.health.probe?.version]), [[fx.slug('a'), 'itest-1'], [fx.slug('b'), 'itest-1']]);
  assert.equal(registry.desired_state_revision, 'master-itest');
  assert.match(registry.master_signing_public_key ?? '', /^0x[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(registry).includes('env-value-never-in-registry'));

  // Admin: refused without (or with a wrong) token, open with the Swarm secret's token.
  assert.equal((await get('/admin/last-plan')).status, 401);
  assert.equal((await get('/admin/applies', { authorization: 'Bearer wrong-token' })).status, 401);
  assert.equal((await get('/admin/last-plan', { 'x-admin-token': adminToken })).status, 200);

  const health = JSON.parse((await get('/health')).body) as { status: string; reasons: string[]; docker: { available: boolean } };
  assert.equal(health.docker.available, true, JSON.stringify(health));

  // The image's exec-form HEALTHCHECK passes and the master runs as the non-root user.
  const container = await waitUntil('the master container to be healthy', async () => {
    const [summary] = (await fx.docker.listContainers({ filters: JSON.stringify({ label: [`com.docker.swarm.service.name=${prefix}-master`] }) })) as Array<{ Id: string }>;
    if (!summary) return undefined;
    const inspected = await fx.docker.getContainer(summary.Id).inspect();
    return inspected.State.Health?.Status === 'healthy' ? inspected : undefined;
  }, 90_000, 1_000);
  assert.equal(container.Config.User, 'node');

  // A stopped challenge (scaled to 0): the safe 502, nothing about the upstream in the answer.
  const service = fx.docker.getService(fx.service('b'));
  const info = (await service.inspect()) as { Version: { Index: number }; Spec: Docker.ServiceSpec };
  await service.update({ ...info.Spec, Mode: { Replicated: { Replicas: 0 } }, version: info.Version.Index } as never);
  const unavailable = await waitUntil('the proxy to answer 502 for the stopped challenge', async () => {
    const r = await get(`/challenges/${fx.slug('b')}/hello`);
    return r.status === 502 ? r : undefined;
  }, 60_000, 1_000);
  assert.deepEqual(JSON.parse(unavailable.body), { detail: 'Challenge unavailable' });
  const headerText = JSON.stringify([...unavailable.headers.entries()]);
  for (const leak of [fx.service('b'), '8000', '10.', 'ENOTFOUND', 'ECONNREFUSED']) {
    assert.ok(!unavailable.body.includes(leak) && !headerText.includes(leak), `502 leaks ${leak}`);
  }
  // The other challenge keeps working.
  assert.equal((await get(`/challenges/${fx.slug('a')}/still`)).status, 200);
});
