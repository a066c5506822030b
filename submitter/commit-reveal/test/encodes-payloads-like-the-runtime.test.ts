// What is committed: the timelocked plaintext is the runtime's SCALE WeightsTlockPayload (the fixture's example, byte
// for byte), and the hash commit is blake2_256 of the SCALE tuple the runtime hashes, checked against
// @polkadot/types' own encoding of that tuple.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { decodeWeightsTlockPayload, encodeWeightsTlockPayload, hashCommit, newSalt } from '../payload.ts';

await cryptoWaitReady();
const vectors = JSON.parse(readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8')) as { payload_example: { hex: string } };
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

test("the timelocked payload is the fixture's WeightsTlockPayload byte for byte, and decodes back", () => {
  const payload = { hotkey: decodeAddress(ALICE), uids: [1, 2], values: [65535, 32768], versionKey: 0n };
  const bytes = encodeWeightsTlockPayload(payload);
  assert.equal(Buffer.from(bytes).toString('hex'), vectors.payload_example.hex);
  const back = decodeWeightsTlockPayload(bytes);
  assert.deepEqual({ ...back, hotkey: u8aToHex(back.hotkey) }, { ...payload, hotkey: u8aToHex(payload.hotkey) });
  assert.equal(bytes.length, 4 * 2 + 43, 'payload size 4n + 43 below 64 weights');
});

test('bad payload inputs are refused, not truncated', () => {
  const hotkey = decodeAddress(ALICE);
  assert.throws(() => encodeWeightsTlockPayload({ hotkey: hotkey.subarray(1), uids: [1], values: [1], versionKey: 0n }), /32-byte public key/);
  assert.throws(() => encodeWeightsTlockPayload({ hotkey, uids: [1, 2], values: [1], versionKey: 0n }), /2 uids but 1 values/);
  assert.throws(() => encodeWeightsTlockPayload({ hotkey, uids: [70000], values: [1], versionKey: 0n }), /uid 70000 is not a u16/);
  assert.throws(() => decodeWeightsTlockPayload(Buffer.from(`${vectors.payload_example.hex}00`, 'hex')), /1 trailing byte/);
});

test('the hash commit is blake2_256 of SCALE(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', () => {
  const registry = new TypeRegistry();
  const salt = newSalt();
  const input = { hotkey: decodeAddress(ALICE), netuid: 2, uids: [0, 1, 3], values: [100, 65535, 7], salt, versionKey: 9n };
  const tuple = registry.createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [ALICE, 2, input.uids, input.values, salt, 9]);
  assert.equal(hashCommit(input), blake2AsHex(tuple.toU8a(), 256));
  assert.notEqual(hashCommit({ ...input, salt: newSalt() }), hashCommit(input), 'a different salt gives a different hash');
  assert.equal(salt.length, 16);
  assert.ok(salt.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffff));
});
