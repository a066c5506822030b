/** The weights epoch loop: collect, isolate failures, aggregate, seal, store, serve. */
export { WeightsEpochLoop } from './weights-epoch-loop.ts';
export type { EpochLoopConfig, EpochRunResult, WeightsEpochLoopOptions, WeightsEvent, WeightsLoopDetails } from './weights-epoch-loop.ts';
export { epochOf, epochStart } from './epoch-clock.ts';
export { staticMetagraphSource } from './metagraph-source.ts';
export type { MetagraphSnapshot, MetagraphSource, StaticMetagraphOptions } from './metagraph-source.ts';
export { resolveSources, DEFAULT_CARRY_FORWARD_EPOCHS } from './resolve-sources.ts';
export type { EpochChallenge, ResolvedSources, ResolveSourcesInput } from './resolve-sources.ts';
export { computeEpochVector, sealAndStore } from './seal-epoch.ts';
export type { ComputedEpoch, ComputeEpochInput, StoredSeal } from './seal-epoch.ts';
export { createWeightsLoop, epochLoopConfig, masterSigningKeyPath } from './from-desired-state.ts';
export type { WeightsLoopWiring } from './from-desired-state.ts';
export { chainMetagraphSource } from './chain-metagraph-source.ts';
export type { ChainMetagraphReader } from './chain-metagraph-source.ts';
