/**
 * Names for the transaction pool's refusals (RPC error 1010, `Invalid Transaction: Custom error: N`). The numbers are
 * subtensor's `CustomTransactionError` (opentensor/subtensor `common/src/transaction_error.rs` at 2a315462), an
 * explicit, append-only mapping used by runtimes with the `SubtensorTransactionExtension`. Older runtimes (with the
 * `SubtensorSignedExtension`, like the localnet's spec 218) also return raw per-call numbers that collide with it
 * (there `Custom(3)` is set_weights' stake check), so for them a custom code is reported as `pool.Custom(N)`.
 */
export const SUBTENSOR_TRANSACTION_EXTENSION = 'SubtensorTransactionExtension';

const CUSTOM_TRANSACTION_ERRORS: Readonly<Record<number, string>> = {
  0: 'ColdkeyInSwapSchedule',
  1: 'StakeAmountTooLow',
  2: 'BalanceTooLow',
  3: 'SubnetNotExists',
  4: 'HotkeyAccountDoesntExist',
  5: 'NotEnoughStakeToWithdraw',
  6: 'RateLimitExceeded',
  7: 'InsufficientLiquidity',
  8: 'SlippageTooHigh',
  9: 'TransferDisallowed',
  10: 'HotKeyNotRegisteredInNetwork',
  11: 'InvalidIpAddress',
  12: 'ServingRateLimitExceeded',
  13: 'InvalidPort',
  14: 'ZeroMaxAmount',
  15: 'InvalidRevealRound',
  16: 'CommitNotFound',
  17: 'CommitBlockNotInRevealRange',
  18: 'InputLengthsUnequal',
  19: 'UidNotFound',
  20: 'EvmKeyAssociateRateLimitExceeded',
  21: 'ColdkeySwapDisputed',
  22: 'InvalidRealAccount',
  23: 'FailedShieldedTxParsing',
  24: 'InvalidShieldedTxPubKeyHash',
  25: 'CommitRevealEnabled',
  26: 'CommitRevealDisabled',
  27: 'NonAssociatedColdKey',
  28: 'InvalidIpType',
  29: 'IncorrectCommitRevealVersion',
  30: 'CommittingWeightsTooFast',
  31: 'TooManyUnrevealedCommits',
  32: 'NewHotKeyIsSameWithOld',
  33: 'HotKeyAlreadyRegisteredInSubNet',
  34: 'NotEnoughBalanceToPaySwapHotKey',
  35: 'HotKeySwapOnSubnetIntervalNotPassed',
  36: 'DelegateTakeTooLow',
  37: 'DelegateTakeTooHigh',
  38: 'InvalidWorkBlock',
  39: 'InvalidDifficulty',
  40: 'InvalidSeal',
  255: 'BadRequest',
};

export interface PoolRejection {
  status: 'rejected_by_pool';
  /** The RPC error code (1010 for an invalid transaction); null when the message carried none. */
  code: number | null;
  /** `pool.<Name>`: `pool.StakeAmountTooLow`, `pool.Custom(77)` for a number that cannot be named, `pool.Stale`, ... */
  name: string;
  message: string;
}

/**
 * The RPC error of a refused submission, e.g. `1010: Invalid Transaction: Custom error: 1`, decoded by name.
 * `namedCustomCodes`: whether the runtime numbers custom errors by CustomTransactionError (see above).
 */
export function poolRejection(error: unknown, namedCustomCodes = true): PoolRejection {
  const message = error instanceof Error ? error.message : String(error);
  const codeField = (error as { code?: unknown } | null)?.code;
  const code = typeof codeField === 'number' ? codeField : Number.parseInt(/^(\d+):/.exec(message)?.[1] ?? '', 10);
  return { status: 'rejected_by_pool', code: Number.isFinite(code) ? code : null, name: poolErrorName(message, namedCustomCodes), message };
}

/** `pool.<Name>` for the forms nodes use: `Custom error: 1` (substrate) or `{"invalid":{"custom":1}}` (chopsticks). */
export function poolErrorName(message: string, namedCustomCodes = true): string {
  const custom = /custom error:\s*(\d+)/i.exec(message) ?? /"custom"\s*:\s*(\d+)/i.exec(message);
  if (custom) {
    const n = Number(custom[1]);
    const name = namedCustomCodes ? CUSTOM_TRANSACTION_ERRORS[n] : undefined;
    return `pool.${name ?? `Custom(${n})`}`;
  }
  const known: Array<[RegExp, string]> = [
    [/outdated|"stale"/i, 'Stale'],
    [/future/i, 'Future'],
    [/pay some fees|"payment"/i, 'Payment'],
    [/bad proof|bad ?signature|"badproof"/i, 'BadProof'],
    [/exhausts the resources|"exhaustsresources"/i, 'ExhaustsResources'],
    [/priority is too low/i, 'PriorityTooLow'],
    [/already imported|temporarily banned/i, 'AlreadyImported'],
    [/"call"|invalid call|cannot be called/i, 'Call'],
  ];
  for (const [pattern, name] of known) if (pattern.test(message)) return `pool.${name}`;
  return 'pool.Unknown';
}
