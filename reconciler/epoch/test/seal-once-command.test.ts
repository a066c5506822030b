import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { openStateDir, type StateDir } from '../../state/index.ts';
import { openStore } from '../../store/index.ts';
import { randomHotkey, startChallengeServer, type TestChallengeServer } from '../../weights/collect/test/challenge-server.ts';
import { verifyVector } from '../../weights/seal.ts';
import { loadSigningKey } from '../../weights/signing-key.ts';
import { masterSigningKeyPath } from '../from-desired-state.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let state: StateDir;
const servers = new Map<string, TestChallengeServer>();
const hotkeys = [randomHotkey(), randomHotkey()];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'weights-cli-'));
  state = openStateDir(path.join(dir, 'state'));
  await state.ensureTokens(['alpha', 'beta']);
  await state.ensureMasterSigningKey();
  for (const slug of ['alpha', 'beta']) {
    const token = (await readFile(state.tokenPath(slug), 'utf8')).trim();
    servers.set(
      slug,
      await startChallengeServer((req, res) => {
        if (req.headers.authorization !== `Bearer ${token}`) {
          res.statusCode = 401;
          return void res.end();
        }
        res.end(JSON.stringify({ challenge_slug: slug, weights: { [hotkeys[slug === 'alpha' ? 0 : 1]!]: 1 } }));
      }),
    );
  }
  const doc = {
    version: 1,
    subnet: { name: 'cli', netuid: 3, environment: 'development', chain_endpoint: 'ws://127.0.0.1:9944', epoch_interval_seconds: 12 },
    master: { image: '127.0.0.1:5000/base/master:latest' },
    networks: [{ name: 'cli-net', encrypted: true }],
    challenges: ['alpha', 'beta'].map((slug) => ({ slug, name: slug, image: '127.0.0.1:5000/c:1.0.0', status: 'active', emission_percent: 40 })),
    development_metagraph: { [hotkeys[0]!]: 1, [hotkeys[1]!]: 2 },
  };
  await writeFile(path.join(dir, 'subnet.yaml'), stringify(doc));
});
after(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

const sealOnce = (extra: string[] = []) =>
  execa(
    process.execPath,
    [
      path.join(ROOT, 'bin/base.mjs'), 'weights', 'seal-once',
      '--file', path.join(dir, 'subnet.yaml'),
      '--state-dir', state.dir,
      '--origin', `alpha=${servers.get('alpha')!.origin}`,
      '--origin', `beta=${servers.get('beta')!.origin}`,
      '--epoch', '4242',
      ...extra,
    ],
    { reject: false, cwd: ROOT, env: { BASE_DATABASE_URL: '' } },
  );

test('base weights seal-once seals the epoch into the development SQLite store; a second run adopts it', async () => {
  const first = await sealOnce();
  assert.equal(first.exitCode, 0, first.stderr);
  const summary = JSON.parse(first.stdout) as { status: string; epoch: number; digest: string; sources: Array<{ outcome: string }> };
  assert.equal(summary.status, 'sealed');
  assert.equal(summary.epoch, 4242);
  assert.deepEqual(summary.sources.map((s) => s.outcome), ['fresh', 'fresh']);

  const store = await openStore({ environment: 'development', stateDir: state.dir });
  try {
    const stored = await store.vectorAt(4242);
    assert.equal(stored?.digest, summary.digest);
    const keypair = await loadSigningKey(masterSigningKeyPath(state));
    assert.deepEqual(verifyVector(stored?.document, keypair.publicKey), { ok: true });
  } finally {
    await store.close();
  }
  for (const server of servers.values()) assert.equal(server.requests.length, 1);

  const second = await sealOnce();
  assert.equal(second.exitCode, 0, second.stderr);
  const again = JSON.parse(second.stdout) as { status: string; why: string; digest: string };
  assert.deepEqual([again.status, again.why, again.digest], ['adopted', 'already-sealed', summary.digest]);
  for (const server of servers.values()) assert.equal(server.requests.length, 1, 'a sealed epoch is not collected again');
  for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) {
    for (const slug of ['alpha', 'beta']) assert.ok(!output.includes((await readFile(state.tokenPath(slug), 'utf8')).trim()), 'no token printed');
  }
});

test('a bad --origin and a missing signing key are clear errors', async () => {
  const bad = await execa(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'weights', 'seal-once', '--file', path.join(dir, 'subnet.yaml'), '--state-dir', state.dir, '--origin', 'gamma=http://127.0.0.1:1'], { reject: false, cwd: ROOT });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /--origin gamma=http:\/\/127\.0\.0\.1:1: no challenge gamma in/);

  const empty = openStateDir(path.join(dir, 'empty-state'));
  const missing = await execa(process.execPath, [path.join(ROOT, 'bin/base.mjs'), 'weights', 'seal-once', '--file', path.join(dir, 'subnet.yaml'), '--state-dir', empty.dir], { reject: false, cwd: ROOT, env: { BASE_DATABASE_URL: ':memory:' } });
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /cannot open the signing key .*master-signing-key\.seed: ENOENT \(base apply mints the master signing key\)/);
});

test('base weights run seals the current epoch at start, logs events as JSON lines, and stops on SIGTERM', async () => {
  const child = execa(
    process.execPath,
    [path.join(ROOT, 'bin/base.mjs'), 'weights', 'run', '--file', path.join(dir, 'subnet.yaml'), '--state-dir', state.dir,
      '--origin', `alpha=${servers.get('alpha')!.origin}`, '--origin', `beta=${servers.get('beta')!.origin}`],
    { reject: false, cwd: ROOT, env: { BASE_DATABASE_URL: '' } },
  );
  let stderr = '';
  const sealed = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no epoch-sealed event within 20 s: ${stderr}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.type === 'epoch-sealed' || event.type === 'epoch-adopted') {
          clearTimeout(timer);
          resolve(event);
        }
      }
    });
  });
  const event = await sealed;
  const now = Math.floor(Date.now() / 1000 / 12);
  assert.ok(event.epoch === now || event.epoch === now - 1, `sealed epoch ${String(event.epoch)}, current ${now}`);
  child.kill('SIGTERM');
  const exit = await child;
  assert.equal(exit.exitCode, 0, exit.stderr);
});
