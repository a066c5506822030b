import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { openStateDir } from '../index.ts';

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'base-state-test-'));
}

test('ensureTokens mints a 32-byte token per slug, 0600 in a 0700 folder, named by its content hash', async () => {
  const root = await tempDir();
  try {
    const state = openStateDir(path.join(root, 'state'));
    const names = await state.ensureTokens(['alpha', 'beta']);
    const value = await readFile(state.tokenPath('alpha'), 'utf8');
    assert.match(value, /^[0-9a-f]{64}$/);
    const hash = createHash('sha256').update(value).digest('hex').slice(0, 12);
    assert.equal(names.get('alpha'), `challenge-alpha-token-${hash}`);
    assert.notEqual(names.get('alpha'), names.get('beta'));
    assert.equal((await stat(state.tokenPath('alpha'))).mode & 0o777, 0o600);
    assert.equal((await stat(state.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(path.dirname(state.tokenPath('alpha')))).mode & 0o777, 0o700);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a token is reused forever: ensureTokens again and concurrent minting give the same name', async () => {
  const root = await tempDir();
  try {
    const state = openStateDir(root);
    const [a, b] = await Promise.all([state.ensureTokens(['gamma']), openStateDir(root).ensureTokens(['gamma'])]);
    assert.equal(a.get('gamma'), b.get('gamma'));
    const again = await state.ensureTokens(['gamma']);
    assert.equal(again.get('gamma'), a.get('gamma'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('tokenSecretNames is read-only: it reports existing tokens and creates nothing', async () => {
  const root = await tempDir();
  try {
    const dir = path.join(root, 'state');
    const state = openStateDir(dir);
    assert.equal((await state.tokenSecretNames(['alpha'])).size, 0);
    await assert.rejects(stat(dir), { code: 'ENOENT' });
    const minted = await state.ensureTokens(['alpha']);
    const names = await state.tokenSecretNames(['alpha', 'missing']);
    assert.deepEqual([...names], [['alpha', minted.get('alpha')]]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the master signing key seed is a 32-byte 0x-hex seed under a content-hash name', async () => {
  const root = await tempDir();
  try {
    const state = openStateDir(root);
    assert.equal(await state.masterSigningKeySecretName(), null);
    const name = await state.ensureMasterSigningKey();
    assert.match(name, /^base-master-signing-key-[0-9a-f]{12}$/);
    assert.equal(await state.ensureMasterSigningKey(), name);
    const value = await state.readSecretValue({ kind: 'secret', name, labels: {}, source: { type: 'master-signing-key' } });
    assert.match(value.toString('utf8'), /^0x[0-9a-f]{64}$/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('readSecretValue refuses a secret name whose hash does not match the stored value, without printing it', async () => {
  const root = await tempDir();
  try {
    const state = openStateDir(root);
    const name = (await state.ensureTokens(['alpha'])).get('alpha')!;
    const value = await state.readSecretValue({ kind: 'secret', name, labels: {}, source: { type: 'challenge-token', slug: 'alpha' } });
    assert.equal(value.toString('utf8'), await readFile(state.tokenPath('alpha'), 'utf8'));
    const token = value.toString('utf8');
    await assert.rejects(
      state.readSecretValue({ kind: 'secret', name: 'challenge-alpha-token-000000000000', labels: {}, source: { type: 'challenge-token', slug: 'alpha' } }),
      (error: Error) => /does not match/.test(error.message) && !error.message.includes(token),
    );
    await assert.rejects(
      state.readSecretValue({ kind: 'secret', name: 'x', labels: {}, source: { type: 'challenge-token', slug: 'nope' } }),
      /no value for secret x/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('BASE_STATE_DIR is used when no folder is given', () => {
  const saved = process.env.BASE_STATE_DIR;
  process.env.BASE_STATE_DIR = '/tmp/somewhere-else';
  try {
    assert.equal(openStateDir().dir, '/tmp/somewhere-else');
    assert.equal(openStateDir('/x/y').dir, '/x/y');
  } finally {
    if (saved === undefined) delete process.env.BASE_STATE_DIR;
    else process.env.BASE_STATE_DIR = saved;
  }
});
