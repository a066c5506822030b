/** Wiring helpers: the loop's config and keys from subnet.yaml and the reconciler's state folder. */
import path from 'node:path';
import type { SubnetDesiredState } from '../desired-state/index.ts';
import type { StateDir } from '../state/index.ts';
import type { ControlPlaneStore } from '../store/index.ts';
import { activeChallenges, stateDirTokens, type CollectableChallenge, type FetchWeightsOptions } from '../weights/collect/index.ts';
import { loadSigningKey } from '../weights/signing-key.ts';
import { staticMetagraphSource, type MetagraphSource } from './metagraph-source.ts';
import { WeightsEpochLoop, type EpochLoopConfig, type WeightsEvent } from './weights-epoch-loop.ts';

export function epochLoopConfig(state: SubnetDesiredState, desiredStateRevision: string | null): EpochLoopConfig {
  return {
    netuid: state.subnet.netuid,
    chainEndpoint: state.subnet.chain_endpoint,
    epochIntervalSeconds: state.subnet.epoch_interval_seconds,
    challenges: activeChallenges(state.challenges),
    desiredStateRevision,
    ...(state.subnet.vector_expiry_seconds !== undefined ? { vectorExpirySeconds: state.subnet.vector_expiry_seconds } : {}),
  };
}

/**
 * The master signing key's seed file in the reconciler's state folder (`StateDir.ensureMasterSigningKey` mints it
 * there under this name). In a deployed master the same seed arrives as a Swarm secret file instead.
 */
export function masterSigningKeyPath(state: StateDir): string {
  return path.join(state.dir, 'master-signing-key.seed');
}

export interface WeightsLoopWiring {
  desiredState: SubnetDesiredState;
  desiredStateRevision: string | null;
  stateDir: StateDir;
  store: ControlPlaneStore;
  /** Required in production (the chain reader's adapter); development defaults to subnet.yaml's development_metagraph. */
  metagraph?: MetagraphSource;
  originFor?: (challenge: CollectableChallenge) => string;
  onEvent?: (event: WeightsEvent) => void;
  carryForwardEpochs?: number;
  expiresAfterSeconds?: number;
  fetch?: Omit<FetchWeightsOptions, 'signal'>;
}

/**
 * A loop wired from subnet.yaml and the reconciler's state folder: tokens and the master signing key from the state
 * folder (neither is minted here: `base apply` does that), the static metagraph in development.
 */
export async function createWeightsLoop(wiring: WeightsLoopWiring): Promise<WeightsEpochLoop> {
  const { desiredState } = wiring;
  let metagraph = wiring.metagraph;
  if (!metagraph) {
    if (desiredState.subnet.environment === 'production') {
      throw new Error('production needs the chain metagraph: pass a MetagraphSource over reconciler/chain (the static development_metagraph is for development only)');
    }
    metagraph = staticMetagraphSource(desiredState.development_metagraph);
  }
  const keyPath = masterSigningKeyPath(wiring.stateDir);
  const keypair = await loadSigningKey(keyPath);
  const config = epochLoopConfig(desiredState, wiring.desiredStateRevision);
  return new WeightsEpochLoop({
    store: wiring.store,
    keypair,
    metagraph,
    config: () => config,
    tokens: stateDirTokens(wiring.stateDir),
    ...(wiring.originFor ? { originFor: wiring.originFor } : {}),
    ...(wiring.onEvent ? { onEvent: wiring.onEvent } : {}),
    ...(wiring.carryForwardEpochs !== undefined ? { carryForwardEpochs: wiring.carryForwardEpochs } : {}),
    ...(wiring.expiresAfterSeconds !== undefined ? { expiresAfterSeconds: wiring.expiresAfterSeconds } : {}),
    ...(wiring.fetch ? { fetch: wiring.fetch } : {}),
  });
}
