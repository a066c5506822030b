/** Wiring helpers: the loop's config and keys from subnet.yaml and the reconciler's state folder. */
import path from 'node:path';
import type { SubnetDesiredState } from '../../desired-state/index.ts';
import type { StateDir } from '../../state/index.ts';
import { activeChallenges } from '../collect/index.ts';
import type { EpochLoopConfig } from './weights-epoch-loop.ts';

export function epochLoopConfig(state: SubnetDesiredState, desiredStateRevision: string | null): EpochLoopConfig {
  return {
    netuid: state.subnet.netuid,
    chainEndpoint: state.subnet.chain_endpoint,
    epochIntervalSeconds: state.subnet.epoch_interval_seconds,
    challenges: activeChallenges(state.challenges),
    desiredStateRevision,
  };
}

/**
 * The master signing key's seed file in the reconciler's state folder (`StateDir.ensureMasterSigningKey` mints it
 * there under this name). In a deployed master the same seed arrives as a Swarm secret file instead.
 */
export function masterSigningKeyPath(state: StateDir): string {
  return path.join(state.dir, 'master-signing-key.seed');
}
