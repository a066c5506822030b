import type { HotkeyToUid } from './aggregate.ts';

/**
 * How many keys of one challenge's raw map are not on the metagraph: the keys whose mass the aggregation burns for
 * that reason (whatever their value). Recorded per source so an operator sees a challenge scoring unregistered or
 * junk keys without reading its snapshot.
 */
export function countUnknownKeys(weights: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown> | undefined, hotkeyToUid: HotkeyToUid): number {
  if (weights === undefined) return 0;
  const known: (key: string) => boolean =
    hotkeyToUid instanceof Map ? (key) => hotkeyToUid.has(key) : (key) => Object.hasOwn(hotkeyToUid, key);
  let unknown = 0;
  const keys = weights instanceof Map ? weights.keys() : Object.keys(weights);
  for (const key of keys) if (!known(key)) unknown++;
  return unknown;
}
