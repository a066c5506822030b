import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHARGE_TRANSACTION_PAYMENT_WRAPPER, signedExtensionsFor } from '../connect.ts';

test('ChargeTransactionPaymentWrapper is declared only when the runtime lists it', () => {
  const old = ['CheckNonZeroSender', 'CheckSpecVersion', 'CheckNonce', 'ChargeTransactionPayment', 'SubtensorSignedExtension'];
  assert.deepEqual(signedExtensionsFor(old), {});
  const current = ['CheckNonZeroSender', 'CheckNonce', CHARGE_TRANSACTION_PAYMENT_WRAPPER, 'SubtensorTransactionExtension'];
  assert.deepEqual(signedExtensionsFor(current), {
    [CHARGE_TRANSACTION_PAYMENT_WRAPPER]: { extrinsic: { tip: 'Compact<Balance>' }, payload: {} },
  });
});
