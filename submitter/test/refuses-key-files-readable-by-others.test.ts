import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { HotkeyError, loadHotkey } from '../hotkey.ts';
import { runSubmitter } from '../run.ts';
import { RecordingChain, TEST_MNEMONIC, tempDir, writeConfig, writeSecret } from './helpers.ts';

const work = tempDir('hotkey');
after(() => work.remove());

test('a seed file readable by others is refused, naming the file and its mode but never its content', async () => {
  const file = writeSecret(path.join(work.dir, 'open.seed'), TEST_MNEMONIC, 0o644);
  await assert.rejects(loadHotkey({ kind: 'seed_file', seedFile: file }), (error: unknown) => {
    assert.ok(error instanceof HotkeyError);
    assert.match(error.message, /open\.seed has mode 0644/);
    assert.match(error.message, /chmod 600/);
    for (const word of TEST_MNEMONIC.split(' ')) assert.ok(!error.message.includes(word), 'the message leaks the mnemonic');
    return true;
  });
  const groupReadable = writeSecret(path.join(work.dir, 'group.seed'), TEST_MNEMONIC, 0o640);
  await assert.rejects(loadHotkey({ kind: 'seed_file', seedFile: groupReadable }), /group\.seed has mode 0640/);
});

test('a 0600 mnemonic, hex seed or dev URI file gives the expected sr25519 hotkey', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const mnemonic = writeSecret(path.join(work.dir, 'mnemonic.seed'), TEST_MNEMONIC);
  assert.equal((await loadHotkey({ kind: 'seed_file', seedFile: mnemonic })).address, keyring.addFromUri(TEST_MNEMONIC).address);
  const hexSeed = `0x${'11'.repeat(32)}`;
  const hex = writeSecret(path.join(work.dir, 'hex.seed'), hexSeed, 0o400);
  assert.equal((await loadHotkey({ kind: 'seed_file', seedFile: hex })).address, keyring.addFromUri(hexSeed).address);
  const uri = writeSecret(path.join(work.dir, 'uri.seed'), '//Bob');
  assert.equal((await loadHotkey({ kind: 'seed_file', seedFile: uri })).address, keyring.addFromUri('//Bob').address);
});

test('a file that is not a secret is refused without echoing it', async () => {
  const file = writeSecret(path.join(work.dir, 'junk.seed'), 'correct horse battery staple');
  await assert.rejects(loadHotkey({ kind: 'seed_file', seedFile: file }), (error: unknown) => {
    assert.match((error as Error).message, /junk\.seed: expected a 12\/15\/18\/21\/24-word BIP39 mnemonic/);
    assert.ok(!(error as Error).message.includes('horse'));
    return true;
  });
});

test('a JSON keystore opens with its password file; a wrong password or an open password file is refused', async () => {
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const pair = keyring.addFromUri(TEST_MNEMONIC);
  const keystore = writeSecret(path.join(work.dir, 'hotkey.json'), JSON.stringify(pair.toJson('s3cret-pass')));
  const password = writeSecret(path.join(work.dir, 'hotkey.pass'), 's3cret-pass');
  const loaded = await loadHotkey({ kind: 'keystore', keystoreFile: keystore, passwordFile: password });
  assert.equal(loaded.address, pair.address);
  assert.equal(loaded.isLocked, false);

  const wrong = writeSecret(path.join(work.dir, 'wrong.pass'), 'nope');
  await assert.rejects(loadHotkey({ kind: 'keystore', keystoreFile: keystore, passwordFile: wrong }), /cannot be unlocked with the password from .*wrong\.pass/);
  const open = writeSecret(path.join(work.dir, 'open.pass'), 's3cret-pass', 0o604);
  await assert.rejects(loadHotkey({ kind: 'keystore', keystoreFile: keystore, passwordFile: open }), (error: unknown) => {
    assert.match((error as Error).message, /hotkey password file .*open\.pass has mode 0604/);
    assert.ok(!(error as Error).message.includes('s3cret'));
    return true;
  });
});

test('the submitter stops before any chain access when the key file is readable by others', async () => {
  writeSecret(path.join(work.dir, 'hotkey.seed'), TEST_MNEMONIC, 0o644);
  const config = writeConfig(work.dir);
  const chain = new RecordingChain();
  const lines: string[] = [];
  await assert.rejects(runSubmitter({ configFile: config, once: true, dryRun: false, chain, log: (l) => lines.push(l) }), HotkeyError);
  assert.equal(chain.touched, false);
  assert.deepEqual(lines, []);
});
