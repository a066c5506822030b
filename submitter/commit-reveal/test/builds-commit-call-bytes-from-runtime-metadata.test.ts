// The call bytes: commit_timelocked_weights built with the spec-381 runtime metadata equals the hand-assembled
// encoding `07 71 | netuid u16 | compact(len) | commit | reveal_round u64 | version u16`; the commit goes as hex
// (a Uint8Array would be taken as already length-prefixed); commit_weights and reveal_weights encode likewise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { u8aToHex } from '@polkadot/util';
import { callArguments } from '../../../reconciler/chain/commit-reveal.ts';
import type { CommitRevealCall } from '../../../reconciler/chain/commit-reveal.ts';
import { encryptCommit } from '../timelock.ts';
import { decorated } from './runtime-381.ts';

type CallFn = (...args: unknown[]) => { toHex(): string };
function encode(call: CommitRevealCall): string {
  const { section, method, args } = callArguments(call);
  const build = (decorated.tx as unknown as Record<string, Record<string, CallFn>>)[section]![method]!;
  return build(...args).toHex();
}

test('commit_timelocked_weights from the metadata equals the hand-assembled bytes', () => {
  const commit = encryptCommit(new Uint8Array(17).fill(5), 25_000_000n); // 17 + 244 = 261 bytes
  assert.equal(commit.length, 261);
  const hex = encode({ kind: 'commit_timelocked', netuid: 2, commit, revealRound: 25_000_000n, commitRevealVersion: 4 });
  const expected = `0x0771${'0200'}${'1504'}${Buffer.from(commit).toString('hex')}${'40787d0100000000'}${'0400'}`;
  assert.equal(hex, expected);
  assert.equal((hex.length - 2) / 2, 277);
});

test('the commit is passed as hex: as a Uint8Array the API would read its first byte as a length prefix', () => {
  const commit = encryptCommit(new Uint8Array(17), 1000n);
  const { args } = callArguments({ kind: 'commit_timelocked', netuid: 2, commit, revealRound: 1000n, commitRevealVersion: 4 });
  assert.equal(args[1], u8aToHex(commit));
  const build = (decorated.tx as unknown as Record<string, Record<string, CallFn>>).subtensorModule!.commitTimelockedWeights!;
  let raw: string;
  try {
    raw = build(2, commit, 1000n, 4).toHex();
  } catch (error) {
    raw = (error as Error).message; // usually: the "length prefix" is longer than the bytes
  }
  assert.notEqual(raw, build(2, u8aToHex(commit), 1000n, 4).toHex(), 'a raw Uint8Array would be mis-encoded');
});

test('commit_weights and reveal_weights encode their arguments in the runtime order', () => {
  const hash = `0x${'ab'.repeat(32)}`;
  assert.equal(encode({ kind: 'commit_hash', netuid: 2, commitHash: hash }), `0x0760${'0200'}${'ab'.repeat(32)}`);
  const reveal = encode({ kind: 'reveal_hash', netuid: 2, uids: [1, 2], values: [65535, 32768], salt: [7, 8], versionKey: 3n });
  // 07 61 | netuid | Vec<u16> uids | Vec<u16> values | Vec<u16> salt | u64 version
  assert.equal(reveal, `0x0761${'0200'}${'0801000200'}${'08ffff0080'}${'0807000800'}${'0300000000000000'}`);
});
