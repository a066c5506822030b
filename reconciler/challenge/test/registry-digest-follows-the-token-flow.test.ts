import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseImageRef } from '../../desired-state/image-ref.ts';
import { pinFile } from '../pin.ts';
import { MANIFEST_MEDIA_TYPES, parseBearerChallenge, registryLocation, RegistryError, resolveTagDigest } from '../registry-digest.ts';

const DIGEST = `sha256:${'c'.repeat(64)}`;
const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
const TOKEN = 'anon-token-123';

interface Seen {
  method: string;
  url: string;
  accept: string | undefined;
  authorization: string | undefined;
}

/**
 * A small registry: `/v2/private/...` needs a bearer token from `/token` (the anonymous flow, as ghcr.io and Docker
 * Hub do); `/v2/open/...` answers directly; `/v2/nodigest/...` sends no Docker-Content-Digest.
 */
let server: http.Server;
let origin: string;
const seen: Seen[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept, authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/token') {
      if (url.searchParams.get('service') !== 'test-registry' || url.searchParams.get('scope') !== 'repository:private/app:pull') {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
      return;
    }
    const match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const [, repository, tag] = match;
    if (repository === 'private/app' && req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/token",service="test-registry",scope="repository:private/app:pull"` }).end();
      return;
    }
    if (tag !== '1.0.0') {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json', 'content-length': String(Buffer.byteLength(MANIFEST)) };
    if (repository !== 'nodigest/app') headers['docker-content-digest'] = DIGEST;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : MANIFEST);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ref = (text: string) => {
  const parsed = parseImageRef(text.replace('HOST', origin.replace('http://', '')));
  assert.ok(parsed, text);
  return parsed;
};

test('a 401 with a Bearer challenge gets an anonymous token for the scope, then the digest', async () => {
  seen.length = 0;
  assert.equal(await resolveTagDigest(ref('HOST/private/app:1.0.0')), DIGEST);
  assert.deepEqual(
    seen.map((s) => [s.method, s.url.replace(/\?.*/, ''), s.authorization ?? null]),
    [
      ['HEAD', '/v2/private/app/manifests/1.0.0', null],
      ['GET', '/token', null],
      ['HEAD', '/v2/private/app/manifests/1.0.0', `Bearer ${TOKEN}`],
    ],
  );
  // Manifest lists, OCI indexes, OCI manifests and Docker v2 manifests are all accepted.
  for (const type of MANIFEST_MEDIA_TYPES) assert.ok(seen[2]?.accept?.includes(type), type);
});

test('a registry without auth answers directly; without a digest header the manifest bytes are hashed', async () => {
  seen.length = 0;
  assert.equal(await resolveTagDigest(ref('HOST/open/app:1.0.0')), DIGEST);
  assert.equal(seen.length, 1);
  const hashed = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;
  assert.equal(await resolveTagDigest(ref('HOST/nodigest/app:1.0.0')), hashed);
});

test('a missing tag and an unreachable registry are RegistryErrors saying so', async () => {
  await assert.rejects(resolveTagDigest(ref('HOST/open/app:9.9.9')), (e: Error) => e instanceof RegistryError && /open\/app:9\.9\.9 not found .*push the image first/.test(e.message));
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(resolveTagDigest(ref(`127.0.0.1:${port}/x/y:1`), { timeoutMs: 2000 }), (e: Error) => e instanceof RegistryError && /ECONNREFUSED/.test(e.message));
});

test('hosts: http for loopback registries, https elsewhere, Docker Hub defaults for short names', () => {
  assert.deepEqual(registryLocation(ref('127.0.0.1:5000/base/x:1')), { host: '127.0.0.1:5000', repository: 'base/x', baseUrl: 'http://127.0.0.1:5000' });
  assert.equal(registryLocation(ref('localhost:5000/x:1')).baseUrl, 'http://localhost:5000');
  assert.equal(registryLocation(ref('ghcr.io/acme/x:1')).baseUrl, 'https://ghcr.io');
  assert.deepEqual(registryLocation(ref('node:20')), { host: 'registry-1.docker.io', repository: 'library/node', baseUrl: 'https://registry-1.docker.io' });
  assert.equal(registryLocation(ref('docker.io/acme/x:1')).repository, 'acme/x');
});

test('Bearer challenges parse with quoted commas and unquoted values', () => {
  assert.deepEqual(parseBearerChallenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"'), {
    realm: 'https://auth.example/token',
    service: 'reg',
    scope: 'repository:a/b:pull,push',
  });
  assert.deepEqual(parseBearerChallenge('bearer realm=https://a/t, service=r'), { realm: 'https://a/t', service: 'r' });
  assert.equal(parseBearerChallenge('Basic realm="x"'), null);
});

test('pinFile rewrites the file in place through the token flow, keeping its mode and leaving no temp file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pin-file-'));
  try {
    const host = origin.replace('http://', '');
    const file = join(dir, 'subnet.yaml');
    writeFileSync(file, `# pinned by CI\nmaster:\n  image: ${host}/private/app:1.0.0 # master\nchallenges: []\n`);
    chmodSync(file, 0o640);
    const result = await pinFile(file);
    assert.equal(result.outcomes[0]?.action, 'pinned');
    assert.equal(readFileSync(file, 'utf8'), `# pinned by CI\nmaster:\n  image: ${host}/private/app:1.0.0@${DIGEST} # master\nchallenges: []\n`);
    assert.equal(statSync(file).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['subnet.yaml']);

    const broken = `master:\n  image: ${host}/open/app:9.9.9\n`;
    writeFileSync(file, broken);
    await assert.rejects(pinFile(file), /nothing written/);
    assert.equal(readFileSync(file, 'utf8'), broken);

    writeFileSync(file, `master:\n  image: ${host}/open/app:1.0.0\n`);
    await pinFile(file, { dryRun: true });
    assert.equal(readFileSync(file, 'utf8'), `master:\n  image: ${host}/open/app:1.0.0\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
