// A refusal by the node's transaction pool (RPC 1010) keeps its code and message and gets a name from subtensor's
// CustomTransactionError numbering, in both message forms (substrate's text, chopsticks' JSON) — but only on runtimes
// that use that numbering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poolErrorName, poolRejection } from '../pool-error.ts';

test('a pool rejection keeps the RPC code and message and is named; an error without a code has none', () => {
  const rpc = Object.assign(new Error('1010: Invalid Transaction: Custom error: 1'), { code: 1010 });
  assert.deepEqual(poolRejection(rpc), {
    status: 'rejected_by_pool',
    code: 1010,
    name: 'pool.StakeAmountTooLow',
    message: '1010: Invalid Transaction: Custom error: 1',
  });
  assert.equal(poolRejection(new Error('1010: {"invalid":{"custom":5}}')).code, 1010);
  assert.equal(poolRejection(new Error('disconnected from ws://x: 1006')).code, null);
});

test('custom codes are named in both message forms; unknown numbers and other invalidities stay recognisable', () => {
  assert.equal(poolErrorName('1010: {"invalid":{"custom":15}}'), 'pool.InvalidRevealRound');
  assert.equal(poolErrorName('1010: Invalid Transaction: Custom error: 30'), 'pool.CommittingWeightsTooFast');
  assert.equal(poolErrorName('1010: Invalid Transaction: Custom error: 6'), 'pool.RateLimitExceeded');
  assert.equal(poolErrorName('1010: Invalid Transaction: Custom error: 255'), 'pool.BadRequest');
  assert.equal(poolErrorName('1010: Invalid Transaction: Custom error: 77'), 'pool.Custom(77)');
  assert.equal(poolErrorName('1010: Invalid Transaction: Transaction is outdated'), 'pool.Stale');
  assert.equal(poolErrorName('1010: Invalid Transaction: Inability to pay some fees , e.g. account balance too low'), 'pool.Payment');
  assert.equal(poolErrorName('1010: something new'), 'pool.Unknown');
});

test('on a runtime that numbers pool errors per call (SubtensorSignedExtension), a custom code is not given a wrong name', () => {
  // spec 218 answers set_weights below WeightsMinStake with custom 3, which the current numbering calls SubnetNotExists.
  assert.equal(poolRejection(new Error('1010: {"invalid":{"custom":3}}'), false).name, 'pool.Custom(3)');
  assert.equal(poolErrorName('1010: Invalid Transaction: Transaction is outdated', false), 'pool.Stale');
});
