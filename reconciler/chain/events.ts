import type { ApiPromise } from '@polkadot/api';
import type { FrameSystemEventRecord } from '@polkadot/types/lookup';

/** One event as read from System.Events, reduced to what decisions need (and what tests can record as JSON). */
export interface ObservedEvent {
  /** `initialization`, `finalization`, or the index of the extrinsic that emitted it. */
  phase: 'initialization' | 'finalization' | number;
  section: string;
  method: string;
  /** The event's fields as JSON: account ids as SS58 (prefix 42), integers as numbers, hashes as 0x-hex. */
  data: unknown[];
}

export interface ObservedBlock {
  number: number;
  hash: string;
  events: ObservedEvent[];
}

export function observeEvents(records: readonly FrameSystemEventRecord[]): ObservedEvent[] {
  return records.map(({ phase, event }) => ({
    phase: phase.isInitialization ? 'initialization' : phase.isFinalization ? 'finalization' : phase.asApplyExtrinsic.toNumber(),
    section: event.section,
    method: event.method,
    data: event.data.map((field) => field.toJSON()),
  }));
}

/** The events of blocks `from`..`to` (inclusive) of the canonical chain, oldest first. */
export async function readBlockEvents(api: ApiPromise, from: number, to: number): Promise<ObservedBlock[]> {
  const blocks: ObservedBlock[] = [];
  for (let number = from; number <= to; number++) {
    const hash = (await api.rpc.chain.getBlockHash(number)).toHex();
    const at = await api.at(hash);
    const records = (await at.query.system!.events!()) as unknown as FrameSystemEventRecord[];
    blocks.push({ number, hash, events: observeEvents(records) });
  }
  return blocks;
}
