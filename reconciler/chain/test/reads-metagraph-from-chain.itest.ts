// The metagraph reader against the real subtensor runtime (raonet spec) under chopsticks: miners registered with
// burnedRegister are read back hotkey ↔ uid, at a block whose number and hash are the chain's, with the
// hyperparameters aggregation needs. One localnet for the whole file (startup is the slow part).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CHARGE_TRANSACTION_PAYMENT_WRAPPER, connectSubtensor, ChainConnectionError } from '../connect.ts';
import { MetagraphCache, readMetagraph, SubnetNotFoundError } from '../metagraph.ts';
import { startLocalnet } from '../testing/localnet.ts';
import type { Localnet } from '../testing/localnet.ts';

let net: Localnet;
let netuid: number;
const registered = new Map<string, number>();

before(async () => {
  net = await startLocalnet();
  netuid = await net.registerSubnet();
  for (const name of ['miner-a', 'miner-b', 'miner-c']) {
    const hotkey = net.pair(`//${name}`);
    registered.set(hotkey.address, await net.registerNeuron(netuid, hotkey));
  }
}, { timeout: 240_000 });

after(async () => {
  await net?.close();
});

test('registered miners are read back hotkey to uid, with the block number and hash of the read', async () => {
  const best = await net.bestBlock();
  const metagraph = await readMetagraph(net.api, netuid);

  assert.equal(metagraph.netuid, netuid);
  assert.deepEqual(metagraph.block, best);
  for (const [hotkey, uid] of registered) assert.equal(metagraph.hotkeyToUid[hotkey], uid, `uid of ${hotkey}`);
  // The subnet owner's hotkey holds uid 0 on this runtime; the three miners follow it.
  assert.deepEqual(Object.values(metagraph.hotkeyToUid).sort((a, b) => a - b), [0, 1, 2, 3]);
  assert.equal(metagraph.subnetworkN, 4);
  const headerAtRead = await net.api.rpc.chain.getHeader(metagraph.block.hash);
  assert.equal(headerAtRead.number.toNumber(), metagraph.block.number);
});

test('hyperparameters come from the chain and follow a sudo change', async () => {
  const before = await readMetagraph(net.api, netuid);
  assert.equal(before.hyperparameters.max_weight_limit, 65535);
  await net.setWeightsHyperparameters(netuid, { minAllowedWeights: 2, maxWeightLimit: 40000 });
  const after = await readMetagraph(net.api, netuid);
  assert.deepEqual(after.hyperparameters, { min_allowed_weights: 2, max_weight_limit: 40000 });
  assert.ok(after.block.number > before.block.number);
});

test('the cache answers from memory within its TTL and reads the chain again after it', async () => {
  let clock = 1_000;
  let reads = 0;
  const cache = new MetagraphCache({
    ttlMs: 60_000,
    now: () => clock,
    read: async (id) => {
      reads += 1;
      return readMetagraph(net.api, id);
    },
  });
  const [first, concurrent] = await Promise.all([cache.get(netuid), cache.get(netuid)]);
  assert.equal(reads, 1, 'concurrent callers share one read');
  assert.equal(concurrent, first);

  const late = net.pair('//miner-late');
  const lateUid = await net.registerNeuron(netuid, late);
  clock += 59_999;
  const cached = await cache.get(netuid);
  assert.equal(cached, first, 'still within the TTL: the old map');
  assert.equal(cached.hotkeyToUid[late.address], undefined);

  clock += 1;
  const refreshed = await cache.get(netuid);
  assert.equal(reads, 2);
  assert.equal(refreshed.hotkeyToUid[late.address], lateUid);
  assert.ok(refreshed.block.number > first.block.number);
});

test('a subnet that does not exist is reported as such, not as an empty metagraph', async () => {
  await assert.rejects(readMetagraph(net.api, 999), (error: unknown) => {
    assert.ok(error instanceof SubnetNotFoundError);
    assert.match(error.message, /netuid 999 does not exist on chain/);
    return true;
  });
});

test('this runtime does not list ChargeTransactionPaymentWrapper, so it is not declared and signing still works', () => {
  // Every test above signed extrinsics (registrations, sudo) through connectSubtensor's API.
  assert.ok(net.api.registry.signedExtensions.includes('ChargeTransactionPayment'));
  assert.ok(!net.api.registry.signedExtensions.includes(CHARGE_TRANSACTION_PAYMENT_WRAPPER));
});

test('an endpoint nobody listens on fails with a connection error naming it', async () => {
  await assert.rejects(connectSubtensor('ws://127.0.0.1:9', { timeoutMs: 1_500 }), (error: unknown) => {
    assert.ok(error instanceof ChainConnectionError);
    assert.match(error.message, /ws:\/\/127\.0\.0\.1:9/);
    return true;
  });
});
