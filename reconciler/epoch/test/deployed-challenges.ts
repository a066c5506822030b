/**
 * Challenge services deployed on the test bed by the reconciler's executor (as `base apply` does), each answering
 * `/internal/v1/get_weights` with TEST_WEIGHTS_JSON only to its own token (read from CHALLENGE_SHARED_TOKEN_FILE),
 * and reachable from the host through a TCP relay container on their overlay.
 *
 * From the host the dnsrr services are not reachable by name, so a small relay container on the challenges'
 * (attachable) overlay forwards a published 127.0.0.1 port to `challenge-<slug>:8000` by its service name. Bytes
 * pass unchanged: the collector sees the challenges' own answers, status codes and headers. Only the origin differs
 * from production (`originFor`).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Fixture } from '../../apply/test/support.ts';
import { readTestbedEndpoints } from '../../testbed/endpoints.ts';
import { buildTestImage } from '../../testbed/images.ts';

const CHALLENGE_JS = `
const http = require('http'); const fs = require('fs');
process.on('SIGTERM', () => process.exit(0));
const slug = process.env.BASE_CHALLENGE_SLUG;
const weights = JSON.parse(process.env.TEST_WEIGHTS_JSON || '{}');
http.createServer((req, res) => {
  if (req.url !== '/internal/v1/get_weights') { res.statusCode = 404; return res.end(); }
  let token;
  try { token = fs.readFileSync(process.env.CHALLENGE_SHARED_TOKEN_FILE, 'utf8').trim(); } catch (e) { res.statusCode = 500; return res.end(); }
  if (req.headers.authorization !== 'Bearer ' + token) { res.statusCode = 401; return res.end('{"detail":"unauthorized"}'); }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ challenge_slug: slug, weights }));
}).listen(8000);
`;

const RELAY_JS = `
const net = require('net');
process.on('SIGTERM', () => process.exit(0));
for (const [listen, host, port] of JSON.parse(process.argv[1])) {
  net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.pipe(upstream); upstream.pipe(client);
    client.on('error', () => upstream.destroy()); upstream.on('error', () => client.destroy());
  }).listen(listen);
}
`;

const DOCKERFILE = ['ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'COPY . /app/', 'USER node', 'CMD ["/usr/bin/node", "/app/server.js"]', ''].join('\n');

export interface ScoringChallenge {
  name: string;
  emission_percent: number;
  weights: Record<string, number>;
}

/**
 * Applies the challenges through the fixture, starts the relay (`<prefix>-relay`, labelled base.test=<prefix>, so
 * `fx.cleanup()` removes it) and waits until every challenge answers 401 without a token. Returns slug → origin.
 */
export async function deployScoringChallenges(fx: Fixture, challenges: readonly ScoringChallenge[]): Promise<Map<string, string>> {
  const image = await buildTestImage(readTestbedEndpoints(), { repository: 'base-test/weights-challenge', files: { 'server.js': CHALLENGE_JS }, dockerfile: DOCKERFILE });
  await fx.write(
    challenges.map((c) => ({
      name: c.name,
      image: image.ref,
      emission_percent: c.emission_percent,
      env: { TEST_WEIGHTS_JSON: JSON.stringify(c.weights) },
    })),
  );
  const applied = await fx.apply();
  assert.equal(applied.outcome.status, 'applied', applied.output);

  const slugs = challenges.map((c) => fx.slug(c.name));
  const mapping = slugs.map((slug, i) => [9001 + i, `challenge-${slug}`, 8000] as const);
  await execa('docker', [
    'run', '-d', '--name', `${fx.prefix}-relay`, '--label', `base.test=${fx.prefix}`, '--network', fx.network,
    ...mapping.flatMap(([port]) => ['-p', `127.0.0.1::${port}`]),
    image.ref, '/usr/bin/node', '-e', RELAY_JS, JSON.stringify(mapping),
  ]);
  const origins = new Map<string, string>();
  for (const [i, slug] of slugs.entries()) {
    const { stdout } = await execa('docker', ['port', `${fx.prefix}-relay`, String(9001 + i)]);
    origins.set(slug, `http://${stdout.split('\n')[0]!.trim()}`);
  }
  // Service DNS on the overlay takes a moment after the rollout: wait until every challenge answers (401 without token).
  for (const origin of origins.values()) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await fetch(`${origin}/internal/v1/get_weights`).then((r) => r.status, () => 0);
      if (status === 401) break;
      if (Date.now() > deadline) throw new Error(`${origin} never answered 401 (last status ${status})`);
      await sleep(500);
    }
  }
  return origins;
}
