import { readFileSync } from 'node:fs';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata';
import { compactToU8a, u8aConcat } from '@polkadot/util';
import { observeEvents } from '../reconciler/chain/events.ts';
const registry = new TypeRegistry();
const metadata = new Metadata(registry, readFileSync('submitter/commit-reveal/test/fixtures/devnet-2026-06.scale'));
registry.setMetadata(metadata);
const d = expandMetadata(registry, metadata);
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
function record(section: string, method: string, values: unknown[], phase: 'initialization' | number) {
  const ev = (d.events as any)[section][method];
  const [pallet, index] = ev.meta ? [ev.is ? undefined : undefined, ev.meta.index.toNumber()] : [0, 0];
  const palletIndex = metadata.asLatest.pallets.find((p) => p.name.toString() === section[0]!.toUpperCase() + section.slice(1))!.index.toNumber();
  const args = ev.meta.fields.map((f: any, i: number) => registry.createType(registry.createLookupType(f.type), values[i]).toU8a());
  const phaseBytes = phase === 'initialization' ? new Uint8Array([2]) : u8aConcat(new Uint8Array([0]), registry.createType('u32', phase).toU8a());
  return u8aConcat(phaseBytes, new Uint8Array([palletIndex, index]), ...args, compactToU8a(0));
}
const recs = [record('subtensorModule', 'WeightsSet', [2, 1], 'initialization'), record('subtensorModule', 'TimelockedWeightsRevealed', [2, ALICE], 'initialization'), record('subtensorModule','TimelockedWeightsCommitted',[ALICE, 2, '0x'+'11'.repeat(32), 1000], 1), record('system', 'ExtrinsicSuccess', [{ weight: { refTime: 1, proofSize: 2 }, class: 'Normal', paysFee: 'Yes' }], 1)];
const bytes = u8aConcat(compactToU8a(recs.length), ...recs);
const back = registry.createType('Vec<FrameSystemEventRecord>', bytes);
console.log(JSON.stringify(observeEvents(back as any)));
