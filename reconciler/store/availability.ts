/**
 * Availability as seen by the callers: wraps a store and remembers whether its calls reach the database, since when
 * it has been away, and how many outages there were. The master shows this in /health and metrics while it keeps
 * serving the last sealed vector from memory. Only StoreUnavailableError counts as "away": a conflict or a refused
 * input means the database answered.
 */
import { StoreUnavailableError } from './errors.ts';
import type { ControlPlaneStore } from './types.ts';

export interface StoreAvailability {
  available: boolean;
  /** Start of the current outage (the first failed call), null while available. */
  unavailableSince: string | null;
  /** Last call that reached the database. */
  lastOkAt: string | null;
  /** Message of the last StoreUnavailableError (password-free), kept after recovery. */
  lastError: string | null;
  /** Transitions from available to unavailable since the wrapper was made. */
  outages: number;
}

export type AvailableStore = ControlPlaneStore & {
  availability(): StoreAvailability;
  /** Called on every transition (available ↔ unavailable). */
  onAvailabilityChange(listener: (state: StoreAvailability) => void): void;
};

export function trackAvailability(inner: ControlPlaneStore, now: () => Date = () => new Date()): AvailableStore {
  const state: StoreAvailability = { available: true, unavailableSince: null, lastOkAt: null, lastError: null, outages: 0 };
  const listeners: Array<(state: StoreAvailability) => void> = [];
  const notify = () => {
    for (const listener of listeners) listener({ ...state });
  };
  const track = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      markOk();
      return result;
    } catch (error) {
      if (error instanceof StoreUnavailableError) markUnavailable(error);
      else markOk();
      throw error;
    }
  };
  const markOk = () => {
    state.lastOkAt = now().toISOString();
    if (state.available) return;
    state.available = true;
    state.unavailableSince = null;
    notify();
  };
  const markUnavailable = (error: StoreUnavailableError) => {
    state.lastError = error.message;
    if (!state.available) return;
    state.available = false;
    state.unavailableSince = now().toISOString();
    state.outages += 1;
    notify();
  };

  return {
    backend: inner.backend,
    location: inner.location,
    availability: () => ({ ...state }),
    onAvailabilityChange: (listener) => {
      listeners.push(listener);
    },
    recordApply: (record) => track(() => inner.recordApply(record)),
    listApplies: (limit) => track(() => inner.listApplies(limit)),
    latestApply: () => track(() => inner.latestApply()),
    putSnapshot: (input) => track(() => inner.putSnapshot(input)),
    getSnapshot: (slug, epoch) => track(() => inner.getSnapshot(slug, epoch)),
    latestSnapshotBefore: (slug, epoch) => track(() => inner.latestSnapshotBefore(slug, epoch)),
    latestGoodSnapshot: (slug, atOrBefore) => track(() => inner.latestGoodSnapshot(slug, atOrBefore)),
    pruneSnapshotsBefore: (epoch) => track(() => inner.pruneSnapshotsBefore(epoch)),
    sealVector: (epoch, digest, document) => track(() => inner.sealVector(epoch, digest, document)),
    latestVector: () => track(() => inner.latestVector()),
    vectorAt: (epoch) => track(() => inner.vectorAt(epoch)),
    listVectors: (limit, before) => track(() => inner.listVectors(limit, before)),
    vectorBefore: (epoch) => track(() => inner.vectorBefore(epoch)),
    putEpochInputs: (epoch, document) => track(() => inner.putEpochInputs(epoch, document)),
    epochInputsAt: (epoch) => track(() => inner.epochInputsAt(epoch)),
    pruneEpochInputsBefore: (epoch) => track(() => inner.pruneEpochInputsBefore(epoch)),
    claimUploadNonce: (hotkey, nonce, expiresAt, now) => track(() => inner.claimUploadNonce(hotkey, nonce, expiresAt, now)),
    pruneUploadNonces: (now) => track(() => inner.pruneUploadNonces(now)),
    getState: (key) => track(() => inner.getState(key)),
    putState: (key, value) => track(() => inner.putState(key, value)),
    deleteState: (key) => track(() => inner.deleteState(key)),
    appliedMigrations: () => track(() => inner.appliedMigrations()),
    ping: () => track(() => inner.ping()),
    close: () => inner.close(),
  };
}
