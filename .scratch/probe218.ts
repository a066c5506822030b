import { startLocalnet } from '../reconciler/chain/testing/localnet.ts';
const net = await startLocalnet();
try {
  const api = net.api;
  console.log('spec', api.runtimeVersion.specVersion.toNumber(), 'source', net.specSource);
  const m = api.query.subtensorModule!;
  console.log('weightCommits type', m.weightCommits?.creator.meta.type.toString(), api.registry.lookup.getTypeDef(m.weightCommits!.creator.meta.type.asMap.value).type);
  for (const n of ['revealPeriodEpochs','commitRevealWeightsVersion','validatorPermit','lastEpochBlock','timelockedWeightCommits','tempo']) console.log(n, !!(m as any)[n]);
  console.log('drand', !!(api.query as any).drand);
  for (const e of ['WeightsCommitted','WeightsRevealed','WeightsSet']) console.log(e, (api.events.subtensorModule as any)[e]?.meta.fields.map((f: any) => `${f.name}:${api.registry.lookup.getTypeDef(f.type).type}`).join(','));
  console.log('admin', !!api.tx.adminUtils!.sudoSetTempo, !!api.tx.adminUtils!.sudoSetCommitRevealWeightsInterval);
  console.log('commitWeights', api.tx.subtensorModule!.commitWeights!.meta.args.map((a) => `${a.name}:${a.type}`).join(','));
  console.log('revealWeights', api.tx.subtensorModule!.revealWeights!.meta.args.map((a) => `${a.name}:${a.type}`).join(','));
  console.log('errors', Object.keys(api.errors.subtensorModule!).filter((k) => /Reveal|Commit|Permit/.test(k)).join(','));
  console.log('runtime api', Object.keys((api.call as any).subnetInfoRuntimeApi ?? {}));
  console.log('aura slot', (api.consts as any).aura?.slotDuration?.toString(), (api.consts as any).timestamp?.minimumPeriod?.toString());
} finally { await net.close(); }
