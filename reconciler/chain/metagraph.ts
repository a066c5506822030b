import type { ApiPromise } from '@polkadot/api';

/** A subnet's hotkey → uid map as the chain had it at one block, with the hyperparameters aggregation needs. */
export interface ChainMetagraph {
  netuid: number;
  block: { number: number; hash: string };
  /** SS58 (prefix 42) hotkey → uid; plain object so it can go straight into aggregation or JSON. */
  hotkeyToUid: Record<string, number>;
  /** `SubnetworkN`: uids are 0 .. n-1. */
  subnetworkN: number;
  hyperparameters: { min_allowed_weights: number; max_weight_limit: number };
  /** When this was read (for `metagraph_updated_at`). */
  readAt: Date;
}

/** The chain has no such subnet; distinct from a transport failure so callers can word it for operators. */
export class SubnetNotFoundError extends Error {
  constructor(readonly netuid: number, readonly blockNumber: number) {
    super(`netuid ${netuid} does not exist on chain (at block ${blockNumber})`);
    this.name = 'SubnetNotFoundError';
  }
}

interface Codec {
  toString(): string;
  toNumber?(): number;
  toPrimitive(): unknown;
}

/**
 * Reads the metagraph of `netuid` at the current best block. Every query goes to the same block hash, so the map,
 * the count and the hyperparameters are one consistent picture even while blocks are being produced.
 */
export async function readMetagraph(api: ApiPromise, netuid: number, now: () => Date = () => new Date()): Promise<ChainMetagraph> {
  const header = await api.rpc.chain.getHeader();
  const hash = header.hash.toHex();
  const number = header.number.toNumber();
  const at = await api.at(hash);
  const module = at.query.subtensorModule;
  if (!module?.keys || !module.networksAdded) throw new Error('the runtime has no subtensorModule storage: is this a subtensor node?');

  const [added, entries, n, minAllowed, maxLimit] = await Promise.all([
    module.networksAdded(netuid),
    module.keys.entries(netuid),
    module.subnetworkN!(netuid),
    module.minAllowedWeights!(netuid),
    module.maxWeightsLimit!(netuid),
  ]);
  if (!(added as unknown as { isTrue: boolean }).isTrue) throw new SubnetNotFoundError(netuid, number);

  const hotkeyToUid: Record<string, number> = {};
  const byUid = entries
    .map(([key, hotkey]) => ({ uid: Number((key.args[1] as unknown as Codec).toString()), hotkey: (hotkey as unknown as Codec).toString() }))
    .sort((a, b) => a.uid - b.uid);
  for (const { uid, hotkey } of byUid) hotkeyToUid[hotkey] = uid;

  return {
    netuid,
    block: { number, hash },
    hotkeyToUid,
    subnetworkN: Number((n as unknown as Codec).toString()),
    hyperparameters: {
      min_allowed_weights: Number((minAllowed as unknown as Codec).toString()),
      max_weight_limit: Number((maxLimit as unknown as Codec).toString()),
    },
    readAt: now(),
  };
}

export interface MetagraphCacheOptions {
  ttlMs: number;
  read: (netuid: number) => Promise<ChainMetagraph>;
  now?: () => number;
}

/**
 * Keeps each subnet's metagraph for `ttlMs`. Concurrent callers share one read in flight; a failed read is not
 * cached, so the next call tries again (and the caller decides whether an older map is still good enough, via
 * `peek`).
 */
export class MetagraphCache {
  readonly #ttlMs: number;
  readonly #read: (netuid: number) => Promise<ChainMetagraph>;
  readonly #now: () => number;
  readonly #entries = new Map<number, { value: ChainMetagraph; fetchedAt: number }>();
  readonly #inFlight = new Map<number, Promise<ChainMetagraph>>();

  constructor(options: MetagraphCacheOptions) {
    if (!(options.ttlMs >= 0)) throw new RangeError(`metagraph cache ttlMs is ${options.ttlMs}; expected >= 0`);
    this.#ttlMs = options.ttlMs;
    this.#read = options.read;
    this.#now = options.now ?? Date.now;
  }

  async get(netuid: number): Promise<ChainMetagraph> {
    const cached = this.#entries.get(netuid);
    if (cached && this.#now() - cached.fetchedAt < this.#ttlMs) return cached.value;
    const pending = this.#inFlight.get(netuid);
    if (pending) return pending;
    const read = this.#read(netuid)
      .then((value) => {
        this.#entries.set(netuid, { value, fetchedAt: this.#now() });
        return value;
      })
      .finally(() => this.#inFlight.delete(netuid));
    this.#inFlight.set(netuid, read);
    return read;
  }

  /** The last good read, however old (undefined before the first success). */
  peek(netuid: number): ChainMetagraph | undefined {
    return this.#entries.get(netuid)?.value;
  }

  invalidate(netuid?: number): void {
    if (netuid === undefined) this.#entries.clear();
    else this.#entries.delete(netuid);
  }
}

/** A cache reading from `api`. */
export function chainMetagraphCache(api: ApiPromise, ttlMs: number): MetagraphCache {
  return new MetagraphCache({ ttlMs, read: (netuid) => readMetagraph(api, netuid) });
}
