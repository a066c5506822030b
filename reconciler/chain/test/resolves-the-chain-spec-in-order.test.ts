// The localnet's chain spec is found in order — BASE_SUBTENSOR_SPEC, the shared fixture beside the project, the
// download cache, a download pinned by sha256 — a download with another hash is refused, and when nothing works the
// error is one line saying how to provide the file. The download goes to a local HTTP server (no internet here).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ChainSpecUnavailableError, RAONET_SPEC, resolveChainSpec } from '../testing/chain-spec.ts';

const work = mkdtempSync(path.join(tmpdir(), 'base-chain-spec-'));
const content = Buffer.from('{"genesis":{"raw":{"top":{}}},"note":"a stand-in spec"}\n');
const sha256 = createHash('sha256').update(content).digest('hex');
const served = { body: content, requests: 0 };
let url = '';
let server: ReturnType<typeof createServer>;

before(async () => {
  server = createServer((req, res) => {
    served.requests += 1;
    if (req.url !== '/raonet.json') res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(served.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/raonet.json`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

function place(name: string, bytes: Buffer = content): string {
  const file = path.join(work, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}
const missing = path.join(work, 'nowhere', 'raonet.json');

test('the pin names the public file and its sha256', () => {
  assert.equal(RAONET_SPEC.sha256, 'bb2c7e34390f8fb5032750cc7d80d23f91a47f56fdebf4c35a24c7938b96c57c');
  assert.match(RAONET_SPEC.url, /^https:\/\/raw\.githubusercontent\.com\/opentensor\/subtensor\/[0-9a-f]{40}\/scripts\/specs\/raonet\.json$/);
});

test('each source in order: BASE_SUBTENSOR_SPEC, then the shared fixture, then the cache, then the download', async () => {
  const envFile = place('env/raonet.json');
  const shared = place('shared/raonet.json');
  const cacheDir = path.join(work, 'cache-order');
  const options = { sha256, url, cacheDir, sharedPath: shared };

  assert.deepEqual(await resolveChainSpec({ ...options, env: { BASE_SUBTENSOR_SPEC: envFile } }), { path: envFile, source: 'env' });
  assert.deepEqual(await resolveChainSpec({ ...options, env: {} }), { path: shared, source: 'shared' });

  const before = served.requests;
  const downloaded = await resolveChainSpec({ ...options, sharedPath: missing, env: {} });
  assert.equal(downloaded.source, 'download');
  assert.equal(served.requests, before + 1);
  assert.deepEqual(readFileSync(downloaded.path), content);
  assert.equal(path.dirname(downloaded.path), cacheDir);

  const cached = await resolveChainSpec({ ...options, sharedPath: missing, env: {} });
  assert.deepEqual(cached, { path: downloaded.path, source: 'cache' });
  assert.equal(served.requests, before + 1, 'the cache answers without a second download');
});

test('a shared copy with another hash is passed over; a cache folder can come from BASE_SUBTENSOR_SPEC_CACHE', async () => {
  const tampered = place('tampered/raonet.json', Buffer.from('{}'));
  const cacheDir = path.join(work, 'cache-env');
  const resolved = await resolveChainSpec({ sha256, url, sharedPath: tampered, env: { BASE_SUBTENSOR_SPEC_CACHE: cacheDir } });
  assert.equal(resolved.source, 'download');
  assert.equal(path.dirname(resolved.path), cacheDir);
});

test('a download whose sha256 is not the pinned one is refused and not cached', async () => {
  const cacheDir = path.join(work, 'cache-mismatch');
  served.body = Buffer.from('{"genesis":"something else"}');
  try {
    await assert.rejects(resolveChainSpec({ sha256, url, cacheDir, sharedPath: missing, env: {} }), (error: unknown) => {
      assert.ok(error instanceof ChainSpecUnavailableError);
      assert.match(error.message, new RegExp(`downloaded from ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} has sha256 [0-9a-f]{64}, expected ${sha256}; refusing to use it`));
      return true;
    });
    assert.equal(existsSync(path.join(cacheDir, `raonet-${sha256.slice(0, 16)}.json`)), false, 'nothing was cached');
  } finally {
    served.body = content;
  }
});

test('when nothing works the error is one line saying how to provide the spec', async () => {
  await assert.rejects(
    resolveChainSpec({ sha256, url: 'http://127.0.0.1:9/raonet.json', cacheDir: path.join(work, 'cache-none'), sharedPath: missing, env: {}, downloadTimeoutMs: 5_000 }),
    (error: unknown) => {
      assert.ok(error instanceof ChainSpecUnavailableError);
      assert.ok(!error.message.includes('\n'), 'one line');
      assert.match(error.message, /^the subtensor chain spec raonet\.json \(sha256 [0-9a-f]{64}\) was not found: set BASE_SUBTENSOR_SPEC=\/path\/to\/raonet\.json, or place it at .*, or let the tests download it from http:\/\/127\.0\.0\.1:9\/raonet\.json \[tried: .*ENOENT; download .*\]$/);
      return true;
    },
  );
  await assert.rejects(resolveChainSpec({ env: { BASE_SUBTENSOR_SPEC: missing } }), /BASE_SUBTENSOR_SPEC=.* is not a readable file/);
});
