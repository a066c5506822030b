/** The production metagraph: reconciler/chain's reader (through its TTL cache) as the epoch loop's MetagraphSource. */
import type { ChainMetagraph } from '../chain/metagraph.ts';
import type { MetagraphSnapshot, MetagraphSource } from './metagraph-source.ts';

/** What the loop needs of `MetagraphCache` (`chainMetagraphCache(api, ttlMs)`). */
export interface ChainMetagraphReader {
  get(netuid: number): Promise<ChainMetagraph>;
}

export function chainMetagraphSource(reader: ChainMetagraphReader, netuid: number): MetagraphSource {
  // The cache hands back the same object until its TTL passes: convert each one once.
  const converted = new WeakMap<ChainMetagraph, MetagraphSnapshot>();
  return {
    async read() {
      const metagraph = await reader.get(netuid);
      if (metagraph.netuid !== netuid) throw new Error(`the chain reader returned netuid ${metagraph.netuid}, expected ${netuid}`);
      let snapshot = converted.get(metagraph);
      if (!snapshot) {
        snapshot = {
          source: 'chain',
          hotkeyToUid: new Map(Object.entries(metagraph.hotkeyToUid)),
          blockNumber: metagraph.block.number,
          blockHash: metagraph.block.hash,
          updatedAt: metagraph.readAt,
          minAllowedWeights: metagraph.hyperparameters.min_allowed_weights,
          maxWeightLimit: metagraph.hyperparameters.max_weight_limit,
        };
        converted.set(metagraph, snapshot);
      }
      return snapshot;
    },
  };
}
