import { readFileSync } from 'node:fs';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata';
const registry = new TypeRegistry();
const metadata = new Metadata(registry, readFileSync('submitter/commit-reveal/test/fixtures/devnet-2026-06.scale'));
registry.setMetadata(metadata);
const d = expandMetadata(registry, metadata);
console.log(Object.keys(d.tx).length, typeof d.tx.subtensorModule?.commitTimelockedWeights);
const c = d.tx.subtensorModule!.commitTimelockedWeights!(2, '0x' + 'ab'.repeat(261), 25000000n, 4);
console.log(c.toHex().slice(0, 20), c.toHex().slice(-30), c.toU8a().length);
console.log(d.query.subtensorModule?.lastEpochBlock ? 'has lastEpochBlock' : 'no lastEpochBlock', !!d.query.subtensorModule?.commitRevealWeightsVersion);
const ev = d.events.subtensorModule!;
console.log(Object.keys(ev).filter(k=>/Reveal|Commit|WeightsSet/.test(k)));
console.log(ev.TimelockedWeightsRevealed!.meta.fields.map((f: any)=>f.type.toString()), ev.WeightsSet!.meta.fields.map((f:any)=>f.type.toString()));
try { const t = registry.createType('Vec<FrameSystemEventRecord>', []); console.log('type ok', t.toRawType().slice(0,60)); } catch (e) { console.log('no type', (e as Error).message.slice(0,100)); }
