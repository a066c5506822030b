import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHARGE_TRANSACTION_PAYMENT_WRAPPER, signedExtensionsFor } from '../connect.ts';
import { poolRejection } from '../weight-setting.ts';

test('ChargeTransactionPaymentWrapper is declared only when the runtime lists it', () => {
  const old = ['CheckNonZeroSender', 'CheckSpecVersion', 'CheckNonce', 'ChargeTransactionPayment', 'SubtensorSignedExtension'];
  assert.deepEqual(signedExtensionsFor(old), {});
  const current = ['CheckNonZeroSender', 'CheckNonce', CHARGE_TRANSACTION_PAYMENT_WRAPPER, 'SubtensorTransactionExtension'];
  assert.deepEqual(signedExtensionsFor(current), {
    [CHARGE_TRANSACTION_PAYMENT_WRAPPER]: { extrinsic: { tip: 'Compact<Balance>' }, payload: {} },
  });
});

test('a pool rejection keeps the RPC code and message; an error without a code has none', () => {
  const rpc = Object.assign(new Error('1010: Invalid Transaction: Custom error: 1'), { code: 1010 });
  assert.deepEqual(poolRejection(rpc), { status: 'rejected_by_pool', code: 1010, message: '1010: Invalid Transaction: Custom error: 1' });
  assert.equal(poolRejection(new Error('1010: {"invalid":{"custom":5}}')).code, 1010);
  assert.equal(poolRejection(new Error('disconnected from ws://x: 1006')).code, null);
});
