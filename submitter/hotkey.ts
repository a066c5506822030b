import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types';
import { isHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicValidate } from '@polkadot/util-crypto';
import type { HotkeySource } from './config.ts';

/** A problem with a key file. Its message names the file and what is wrong, never what the file contains. */
export class HotkeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HotkeyError';
  }
}

export const HOTKEY_SS58_PREFIX = 42;

/** Loads the validator's sr25519 hotkey; every key file must be readable by its owner only. */
export async function loadHotkey(source: HotkeySource): Promise<KeyringPair> {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: HOTKEY_SS58_PREFIX });
  if (source.kind === 'seed_file') {
    const secret = readPrivateFile(source.seedFile, 'hotkey seed file');
    if (!looksLikeSecret(secret)) {
      throw new HotkeyError(
        `hotkey seed file ${source.seedFile}: expected a 12/15/18/21/24-word BIP39 mnemonic, 0x followed by 64 hex digits, or a //-derivation URI`,
      );
    }
    try {
      return keyring.addFromUri(secret);
    } catch {
      throw new HotkeyError(`hotkey seed file ${source.seedFile}: the secret could not be turned into an sr25519 key pair`);
    }
  }

  const keystoreText = readPrivateFile(source.keystoreFile, 'hotkey keystore');
  const password = readPrivateFile(source.passwordFile, 'hotkey password file');
  let json: KeyringPair$Json;
  try {
    json = JSON.parse(keystoreText) as KeyringPair$Json;
  } catch {
    throw new HotkeyError(`hotkey keystore ${source.keystoreFile}: not JSON; expected a polkadot-js JSON keystore`);
  }
  let pair: KeyringPair;
  try {
    pair = keyring.addFromJson(json);
  } catch (error) {
    throw new HotkeyError(`hotkey keystore ${source.keystoreFile}: not a polkadot-js JSON keystore (${(error as Error).message})`);
  }
  if (pair.type !== 'sr25519') throw new HotkeyError(`hotkey keystore ${source.keystoreFile}: key type ${pair.type}; expected sr25519`);
  try {
    pair.decodePkcs8(password);
  } catch {
    throw new HotkeyError(`hotkey keystore ${source.keystoreFile}: cannot be unlocked with the password from ${source.passwordFile}`);
  }
  return pair;
}

/** Reads a secret file, refusing it when its mode lets anyone but the owner read or write it. */
export function readPrivateFile(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new HotkeyError(`${what} ${file}: cannot open (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new HotkeyError(`${what} ${file}: not a regular file`);
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new HotkeyError(
        `${what} ${file} has mode ${mode.toString(8).padStart(4, '0')}, so others can read or change it; ` +
          `refusing to use it. Expected 0600 (fix: chmod 600 ${file})`,
      );
    }
    return readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
}

function looksLikeSecret(secret: string): boolean {
  if (isHex(secret, 256)) return true;
  if (secret.startsWith('//')) return secret.length > 2;
  // A mnemonic may carry a derivation path (`words//hard/soft`); only the phrase is validated.
  const phrase = secret.split('/')[0]!.trim();
  return mnemonicValidate(phrase);
}
