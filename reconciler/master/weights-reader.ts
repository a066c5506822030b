/**
 * The seam between the weights epoch loop (which collects, aggregates and seals) and the HTTP surface (which only
 * serves what was sealed). The server never recomputes a vector on read.
 */
import type { SealedVector } from '../weights/index.ts';

export type WeightsVector = SealedVector;

export interface WeightsReaderStatus {
  /** Epoch of the newest sealed vector, null before the first seal. */
  lastSealedEpoch: number | null;
  /** Why the last sealing attempt failed (password-free), null after a success. */
  lastError: string | null;
  /** Whether the control-plane store answered the last call. */
  storeAvailable: boolean;
}

export interface WeightsReader {
  /** The newest sealed vector, kept in memory (served even while the store is away); null before the first seal. */
  latest(): WeightsVector | null;
  /** The vector sealed for `epoch`, or null when none was. Rejects when the store cannot be reached. */
  atEpoch(epoch: number): Promise<WeightsVector | null>;
  /**
   * The published inputs of a sealed epoch (`GET /v1/weights/{epoch}/inputs`), or null when none are stored (never
   * sealed, sealed before inputs were recorded, or pruned). Rejects when the store cannot be reached.
   */
  inputsAt(epoch: number): Promise<unknown | null>;
  status(): WeightsReaderStatus;
}

/** A reader for a master that has no epoch loop running (development without a store): nothing is ever sealed. */
export const noWeightsReader: WeightsReader = {
  latest: () => null,
  atEpoch: async () => null,
  inputsAt: async () => null,
  status: () => ({ lastSealedEpoch: null, lastError: null, storeAvailable: false }),
};
