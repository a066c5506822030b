/**
 * A WeightsReader over the control-plane store: the newest sealed vector is read in the background and kept in
 * memory, so `/v1/weights/latest` never touches the store on a request and keeps answering while the store is away.
 * The epoch loop (weights issue) seals into the same store; it may replace this reader with its own.
 */
import type { ControlPlaneStore } from '../store/index.ts';
import type { WeightsReader, WeightsReaderStatus, WeightsVector } from './weights-reader.ts';

export interface StoreWeightsReader extends WeightsReader {
  refresh(): Promise<void>;
  start(intervalMs: number): void;
  stop(): void;
}

export function storeWeightsReader(store: () => ControlPlaneStore | null): StoreWeightsReader {
  let latest: WeightsVector | null = null;
  let status: WeightsReaderStatus = { lastSealedEpoch: null, lastError: null, storeAvailable: false };
  let timer: NodeJS.Timeout | null = null;
  const reader: StoreWeightsReader = {
    latest: () => latest,
    status: () => ({ ...status }),
    async atEpoch(epoch) {
      if (latest !== null && latest.epoch === epoch) return latest;
      const current = store();
      if (current === null) throw new Error('no control-plane store');
      const sealed = await current.vectorAt<WeightsVector>(epoch);
      return sealed?.document ?? null;
    },
    async inputsAt(epoch) {
      const current = store();
      if (current === null) throw new Error('no control-plane store');
      return current.epochInputsAt(epoch);
    },
    async refresh() {
      const current = store();
      if (current === null) {
        status = { ...status, storeAvailable: false };
        return;
      }
      try {
        const sealed = await current.latestVector<WeightsVector>();
        if (sealed !== null && (latest === null || sealed.epoch >= latest.epoch)) latest = sealed.document;
        status = { lastSealedEpoch: latest?.epoch ?? null, lastError: null, storeAvailable: true };
      } catch (error) {
        status = { ...status, storeAvailable: false, lastError: error instanceof Error ? error.message.split('\n')[0] ?? 'error' : 'error' };
      }
    },
    start(intervalMs) {
      void reader.refresh();
      timer ??= setInterval(() => void reader.refresh(), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
  return reader;
}
