import assert from 'node:assert/strict';
import { hotkeyToUidDigest } from '../../weights/epoch-inputs.ts';
import { after, before, test } from 'node:test';
import { MetagraphCache, type ChainMetagraph } from '../../chain/metagraph.ts';
import type { ControlPlaneStore } from '../../store/index.ts';
import { chainMetagraphSource } from '../chain-metagraph-source.ts';
import { EPOCH, farFuture, memoryStore, twoChallengeSubnet, type Subnet } from './support.ts';

let subnet: Subnet;
let store: ControlPlaneStore;
before(async () => {
  subnet = await twoChallengeSubnet();
  store = await memoryStore();
});
after(async () => {
  await subnet.close();
  await store.close();
});

test('a chain metagraph (through the TTL cache) gives the vector its block, hash and hyperparameters; a read failure is retried', async () => {
  let reads = 0;
  let failNext = true;
  const chain: ChainMetagraph = {
    netuid: 7,
    block: { number: 1234, hash: `0x${'ab'.repeat(32)}` },
    hotkeyToUid: subnet.metagraph,
    subnetworkN: 7,
    hyperparameters: { min_allowed_weights: 2, max_weight_limit: 60000 },
    readAt: new Date('2026-11-22T03:00:00.000Z'),
  };
  const cache = new MetagraphCache({
    ttlMs: 60_000,
    read: async () => {
      reads += 1;
      if (failNext) {
        failNext = false;
        throw new Error('chain endpoint ws://127.0.0.1:9944 did not answer');
      }
      return chain;
    },
  });
  const loop = subnet.loop(store, { metagraph: chainMetagraphSource(cache, 7) });
  const result = await loop.runEpoch(EPOCH, { retryUntil: farFuture() });
  assert.equal(result.status, 'sealed', JSON.stringify(result));
  const vector = loop.latest()!;
  assert.deepEqual(vector.metagraph, {
    source: 'chain',
    block_number: 1234,
    block_hash: `0x${'ab'.repeat(32)}`,
    hotkey_count: 6,
    hotkey_to_uid_digest: hotkeyToUidDigest(chain.hotkeyToUid),
  });
  assert.equal(vector.metagraph_updated_at, '2026-11-22T03:00:00.000Z');
  assert.deepEqual(vector.aggregation, { min_allowed_weights: 2, max_weight_limit: 60000, zero_miner_fallback: false });
  assert.equal(reads, 2, 'the failed read was retried once, then the cache served');

  await loop.runEpoch(EPOCH + 1, { retryUntil: farFuture() });
  assert.equal(reads, 2, 'within the TTL the cached metagraph is used');
  await assert.rejects(chainMetagraphSource(cache, 8).read(), /returned netuid 7, expected 8/);
});
