/**
 * Where the epoch loop gets hotkey → uid and the chain's weight hyperparameters: the chain in production (an adapter
 * over reconciler/chain's reader), the static `development_metagraph` of subnet.yaml in development.
 */
import { U16_MAX } from '../weights/u16.ts';

export interface MetagraphSnapshot {
  source: 'chain' | 'static';
  hotkeyToUid: ReadonlyMap<string, number>;
  blockNumber: number | null;
  blockHash: string | null;
  /** When this view of the metagraph was read (the chain) or loaded (static). */
  updatedAt: Date;
  /** Chain hyperparameters the aggregation needs. */
  minAllowedWeights: number;
  maxWeightLimit: number;
}

export interface MetagraphSource {
  /** Rejects when the metagraph cannot be read right now; the epoch loop retries. */
  read(): Promise<MetagraphSnapshot>;
}

export interface StaticMetagraphOptions {
  minAllowedWeights?: number;
  maxWeightLimit?: number;
  loadedAt?: Date;
}

/** The development metagraph: a fixed hotkey → uid map from subnet.yaml. */
export function staticMetagraphSource(
  developmentMetagraph: Readonly<Record<string, number>> | undefined,
  options: StaticMetagraphOptions = {},
): MetagraphSource {
  if (developmentMetagraph === undefined) {
    throw new Error('subnet.yaml has no development_metagraph: a development master needs one (hotkey: uid) to aggregate weights without a chain');
  }
  for (const [hotkey, uid] of Object.entries(developmentMetagraph)) {
    if (!Number.isSafeInteger(uid) || uid < 0 || uid > 65535) {
      throw new Error(`development_metagraph.${hotkey}: uid is ${uid}, expected an integer from 0 to 65535`);
    }
  }
  const snapshot: MetagraphSnapshot = {
    source: 'static',
    hotkeyToUid: new Map(Object.entries(developmentMetagraph)),
    blockNumber: null,
    blockHash: null,
    updatedAt: options.loadedAt ?? new Date(),
    minAllowedWeights: options.minAllowedWeights ?? 1,
    maxWeightLimit: options.maxWeightLimit ?? U16_MAX,
  };
  return { read: async () => snapshot };
}
