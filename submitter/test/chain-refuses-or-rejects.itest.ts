// What the chain forbids, against the real subtensor runtime under chopsticks: refusals found by reading the chain
// (a commit-reveal mode the runtime lacks, hotkey not registered, version key too low) send nothing; a rejection by the runtime is
// decoded by name; a rejection by the node's pool is surfaced as such. Both rejections start the backoff.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ledger } from '../ledger.ts';
import { runRound } from '../round.ts';
import type { ChainAccess } from '../round.ts';
import { SubtensorChainAccess } from '../chain-access.ts';
import { startSubmitterChain } from './chain-fixture.ts';
import type { SubmitterChainFixture } from './chain-fixture.ts';
import { delegatingChain } from './helpers.ts';

let fx: SubmitterChainFixture;
before(async () => {
  fx = await startSubmitterChain();
}, { timeout: 300_000 });
after(async () => {
  await fx?.close();
});

/** One round with a fresh vector and its own state folder; `wrap` may stand between the round and the chain. */
async function roundFor(name: string, options: { seedUri?: string; overrides?: Record<string, unknown>; wrap?: (chain: ChainAccess) => ChainAccess } = {}) {
  const { config } = fx.config(name, options.overrides, options.seedUri);
  const pair = fx.net.pair(options.seedUri ?? '//validator');
  const real = new SubtensorChainAccess(config.chainEndpoint, pair, config.chain);
  const chain = options.wrap ? options.wrap(real) : real;
  const vector = await fx.publish();
  const ledger = Ledger.open(config.stateDir);
  const best = await fx.net.bestBlock();
  try {
    const report = await runRound({ config, hotkey: pair.address, ledger, chain, fetchVector: async () => ({ body: JSON.parse(JSON.stringify(vector)), attempts: 1 }) });
    return { report, ledger, vector, best };
  } finally {
    await real.close();
  }
}

test('commit-reveal on and mode timelocked on a runtime without commit_timelocked_weights: refused, nothing sent', async () => {
  await fx.net.setWeightsHyperparameters(fx.netuid, { commitRevealEnabled: true });
  try {
    const { report, ledger, best } = await roundFor('timelocked-unsupported', { overrides: { commit_reveal: { mode: 'timelocked' } } });
    assert.equal(report.outcome, 'refused', JSON.stringify(report));
    assert.equal(report.refusal, 'commit_reveal_unsupported');
    assert.match(report.reason!, /commit_reveal\.mode is timelocked but this runtime has no commit_timelocked_weights/);
    assert.deepEqual(await fx.net.bestBlock(), best, 'a block was built: something was sent');
    assert.deepEqual(ledger.entries(), []);
  } finally {
    await fx.net.setWeightsHyperparameters(fx.netuid, { commitRevealEnabled: false });
  }
});

test('a hotkey that is not registered on the netuid is refused after reading the chain, nothing sent', async () => {
  const { report, ledger, best } = await roundFor('stranger', { seedUri: '//stranger' });
  assert.equal(report.outcome, 'refused');
  assert.equal(report.refusal, 'hotkey_not_registered');
  assert.match(report.reason!, /not registered on netuid/);
  assert.equal(report.hotkey, fx.net.pair('//stranger').address);
  assert.deepEqual(await fx.net.bestBlock(), best);
  assert.deepEqual(ledger.entries(), []);
});

test('a version key below WeightsVersionKey is refused before sending', async () => {
  await fx.net.setWeightsHyperparameters(fx.netuid, { weightsVersionKey: 7 });
  try {
    const { report, best } = await roundFor('version-low', { overrides: { version_key: 6 } });
    assert.equal(report.outcome, 'refused');
    assert.equal(report.refusal, 'version_key_too_low');
    assert.match(report.reason!, /version_key 6 is below the subnet's WeightsVersionKey 7/);
    assert.deepEqual(await fx.net.bestBlock(), best);
  } finally {
    await fx.net.setWeightsHyperparameters(fx.netuid, { weightsVersionKey: 0 });
  }
});

test('the runtime rejecting set_weights (version key raised after the pre-check) is decoded by name and backs off', async () => {
  const before = await fx.storedWeights();
  try {
    const { report, ledger, vector } = await roundFor('runtime-rejects', {
      // The subnet owner raises the version key between our pre-check and the inclusion of our extrinsic.
      wrap: (chain) =>
        delegatingChain(chain, {
          readState: async (netuid, hotkey) => {
            const state = await chain.readState(netuid, hotkey);
            await fx.net.setWeightsHyperparameters(fx.netuid, { weightsVersionKey: 3 });
            return state;
          },
        }),
    });
    assert.equal(report.outcome, 'rejected_by_runtime', JSON.stringify(report));
    assert.equal(report.error, 'subtensorModule.IncorrectWeightVersionKey');
    assert.match(report.reason!, /the runtime refused set_weights: subtensorModule\.IncorrectWeightVersionKey/);
    assert.ok(report.block && report.block.number > 0);
    const entry = ledger.find(vector.digest, fx.netuid, fx.validator.address);
    assert.equal(entry?.state, 'failed');
    assert.equal(entry?.error, 'subtensorModule.IncorrectWeightVersionKey');
    assert.ok(ledger.backoffUntil(new Date()), 'a rejection starts the backoff');
    assert.deepEqual(await fx.storedWeights(), before, 'a failed extrinsic changed the weights');
  } finally {
    await fx.net.setWeightsHyperparameters(fx.netuid, { weightsVersionKey: 0 });
  }
});

test("a rejection by the node's pool (stake below WeightsMinStake) is surfaced with its RPC error", async () => {
  await fx.net.setWeightsHyperparameters(fx.netuid, { weightsMinStake: 10n ** 15n });
  try {
    const { report, ledger, vector, best } = await roundFor('pool-rejects');
    assert.equal(report.outcome, 'rejected_by_pool', JSON.stringify(report));
    // This runtime numbers its pool errors per call (SubtensorSignedExtension): the code is kept, not misnamed.
    assert.equal(report.error, 'pool.Custom(3)');
    assert.match(report.reason!, /the node refused set_weights before its pool \(RPC error 1010, pool\.Custom\(3\)\): 1010: .*custom/i);
    assert.equal(ledger.find(vector.digest, fx.netuid, fx.validator.address)?.state, 'rejected_by_pool');
    assert.ok(ledger.backoffUntil(new Date()));
    assert.deepEqual(await fx.net.bestBlock(), best, 'nothing reached a block');
  } finally {
    await fx.net.setWeightsHyperparameters(fx.netuid, { weightsMinStake: 0n });
  }
});
