// The spec-381 runtime's metadata (fixtures/SOURCE.md), decorated offline: to build its calls and to encode events
// exactly as that runtime emits them (no runtime with commit_timelocked_weights runs offline).
import { readFileSync } from 'node:fs';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata';
import type { FrameSystemEventRecord } from '@polkadot/types/lookup';
import { compactToU8a, u8aConcat } from '@polkadot/util';

export const registry = new TypeRegistry();
export const metadata = new Metadata(registry, readFileSync(new URL('./fixtures/devnet-2026-06.scale', import.meta.url)));
registry.setMetadata(metadata);
export const decorated = expandMetadata(registry, metadata);

interface EventMeta {
  meta: { index: { toNumber(): number }; fields: Array<{ type: Parameters<typeof registry.createLookupType>[0] }> };
}

/** One SCALE-encoded EventRecord: `phase` is 'initialization' or the index of the extrinsic that emitted it. */
export function eventRecord(section: string, method: string, values: unknown[], phase: 'initialization' | number): Uint8Array {
  const event = (decorated.events as unknown as Record<string, Record<string, EventMeta>>)[section]?.[method];
  if (!event) throw new Error(`spec 381 has no event ${section}.${method}`);
  const palletName = section[0]!.toUpperCase() + section.slice(1);
  const pallet = metadata.asLatest.pallets.find((p) => p.name.toString() === palletName);
  if (!pallet) throw new Error(`spec 381 has no pallet ${palletName}`);
  const fields = event.meta.fields.map((field, i) => registry.createType(registry.createLookupType(field.type), values[i]).toU8a());
  const phaseBytes = phase === 'initialization' ? Uint8Array.of(2) : u8aConcat(Uint8Array.of(0), registry.createType('u32', phase).toU8a());
  return u8aConcat(phaseBytes, Uint8Array.of(pallet.index.toNumber(), event.meta.index.toNumber()), ...fields, compactToU8a(0));
}

/** A block's System.Events as the runtime stores them, decoded back through the registry. */
export function systemEvents(records: Uint8Array[]): FrameSystemEventRecord[] {
  return registry.createType('Vec<FrameSystemEventRecord>', u8aConcat(compactToU8a(records.length), ...records)) as unknown as FrameSystemEventRecord[];
}
