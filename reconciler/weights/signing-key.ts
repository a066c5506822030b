import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, fstatSync, closeSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { u8aToHex, hexToU8a, isHex } from '@polkadot/util';
import { cryptoWaitReady, sr25519PairFromSeed } from '@polkadot/util-crypto';
import type { Keypair } from '@polkadot/util-crypto/types';

/** A problem with the signing key file; the message never contains key material. */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/**
 * The master's sr25519 key pair from a seed file: one line, `0x` + 64 hex digits (a 32-byte seed).
 * The file must be owned by the reader's mode bits only: any group/other permission is refused.
 */
export async function loadSigningKey(path: string): Promise<Keypair> {
  await cryptoWaitReady();
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new SigningKeyError(`cannot open the signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SigningKeyError(
        `the signing key ${path} has mode ${mode.toString(8).padStart(4, '0')}, readable beyond its owner; ` +
          `expected 0600 (fix: chmod 600 ${path})`,
      );
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!isHex(text, 256)) {
      throw new SigningKeyError(`the signing key ${path} is not a 32-byte seed written as 0x followed by 64 hex digits`);
    }
    return sr25519PairFromSeed(hexToU8a(text));
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads the seed file, or mints a fresh random seed into it (mode 0600, created exclusively so two starters
 * cannot both write) when it does not exist. Returns the key pair and whether it was created now.
 */
export async function loadOrCreateSigningKey(path: string): Promise<{ keypair: Keypair; created: boolean }> {
  let created = false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${u8aToHex(randomBytes(32))}\n`);
    } finally {
      closeSync(fd);
    }
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SigningKeyError(`cannot create the signing key ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  return { keypair: await loadSigningKey(path), created };
}
