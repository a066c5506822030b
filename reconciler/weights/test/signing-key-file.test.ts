import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { sr25519PairFromSeed } from '@polkadot/util-crypto';
import { loadOrCreateSigningKey, loadSigningKey, SigningKeyError } from '../signing-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'base-signing-key-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('mints a 32-byte seed file with mode 0600 on first use and loads the same key afterwards', async () => {
  const path = join(dir, 'secrets', 'master-sr25519.seed');
  const first = await loadOrCreateSigningKey(path);
  assert.equal(first.created, true);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.match(readFileSync(path, 'utf8'), /^0x[0-9a-f]{64}\n$/);
  const second = await loadOrCreateSigningKey(path);
  assert.equal(second.created, false);
  assert.equal(u8aToHex(second.keypair.publicKey), u8aToHex(first.keypair.publicKey));
});

test('loads a given seed into the matching sr25519 key pair', async () => {
  const seed = `0x${'11'.repeat(32)}`;
  const path = join(dir, 'known.seed');
  writeFileSync(path, `${seed}\n`, { mode: 0o600 });
  const keypair = await loadSigningKey(path);
  assert.equal(u8aToHex(keypair.publicKey), u8aToHex(sr25519PairFromSeed(seed).publicKey));
});

test('refuses a key file readable or writable by group or others, without printing the key', async () => {
  const seed = `0x${'22'.repeat(32)}`;
  for (const mode of [0o640, 0o604, 0o660, 0o644]) {
    const path = join(dir, `open-${mode.toString(8)}.seed`);
    writeFileSync(path, seed);
    chmodSync(path, mode);
    await assert.rejects(
      () => loadSigningKey(path),
      (error: unknown) =>
        error instanceof SigningKeyError &&
        error.message.includes(`mode ${mode.toString(8).padStart(4, '0')}`) &&
        error.message.includes('chmod 600') &&
        !error.message.includes('2222'),
    );
    await assert.rejects(() => loadOrCreateSigningKey(path), SigningKeyError);
  }
});

test('refuses a malformed seed without echoing its content', async () => {
  const path = join(dir, 'bad.seed');
  writeFileSync(path, 'secretsecretsecret', { mode: 0o600 });
  await assert.rejects(
    () => loadSigningKey(path),
    (error: unknown) => error instanceof SigningKeyError && /not a 32-byte seed/.test(error.message) && !error.message.includes('secretsecret'),
  );
  await assert.rejects(() => loadSigningKey(join(dir, 'absent.seed')), /cannot open the signing key .*absent\.seed: ENOENT/);
});
