/**
 * The master's weights epoch loop, and the WeightsReader the HTTP surface serves from.
 *
 * Each epoch: collect every active challenge in parallel → resolve failures (carry-forward) and store snapshots →
 * read the metagraph → aggregate → build → seal with the master key → store insert-once → publish in memory.
 * The served vector is only ever replaced by a newer sealed one; it is never recomputed on read. While the store is
 * away the last sealed vector keeps being served, the epoch's store work is retried with backoff until the epoch
 * ends, and `status()` shows the gap.
 */
import type { Keypair } from '@polkadot/util-crypto/types';
import pRetry from 'p-retry';
import type { WeightsReader, WeightsReaderStatus } from '../master/weights-reader.ts';
import {
  StoreConfigError,
  StoreInputError,
  trackAvailability,
  type AvailableStore,
  type ControlPlaneStore,
  type StoreAvailability,
} from '../store/index.ts';
import { AggregationInputError, ZeroMinerWeightError } from '../weights/aggregate.ts';
import { collectWeights, type CollectableChallenge, type FetchWeightsOptions, type TokenSource } from '../weights/collect/index.ts';
import { verifyVector } from '../weights/seal.ts';
import { vectorExpirySeconds, type SealedVector } from '../weights/vector.ts';
import { epochOf, epochStart } from './epoch-clock.ts';
import type { MetagraphSource } from './metagraph-source.ts';
import { computeEpochVector, sealAndStore } from './seal-epoch.ts';
import type { EpochChallenge } from './resolve-sources.ts';

/** What the loop needs from the desired state; read again at every epoch so a reloaded subnet.yaml takes effect. */
export interface EpochLoopConfig {
  netuid: number;
  chainEndpoint: string;
  epochIntervalSeconds: number;
  /** Active challenges, in the desired state's order. */
  challenges: ReadonlyArray<CollectableChallenge & EpochChallenge>;
  desiredStateRevision: string | null;
  /** `subnet.vector_expiry_seconds`; absent: one epoch + 720 s (`vectorExpirySeconds`). */
  vectorExpirySeconds?: number;
}

export type WeightsEvent =
  | { type: 'latest-loaded'; epoch: number; digest: string }
  | { type: 'epoch-sealed'; epoch: number; digest: string; durationMs: number; sources: Array<{ slug: string; outcome: string; reason: string | null }> }
  | { type: 'epoch-adopted'; epoch: number; digest: string; why: 'already-sealed' | 'sealed-by-another-computation'; verified: boolean }
  | { type: 'epoch-failed'; epoch: number; error: string }
  | { type: 'epoch-retrying'; epoch: number; attempt: number; error: string }
  | { type: 'snapshot-conflict'; epoch: number; slugs: string[] };

export interface WeightsEpochLoopOptions {
  store: ControlPlaneStore;
  keypair: Keypair;
  metagraph: MetagraphSource;
  config: () => EpochLoopConfig;
  tokens: TokenSource;
  /** Where to reach a challenge (default `http://challenge-<slug>:<port>`). */
  originFor?: (challenge: CollectableChallenge) => string;
  fetch?: Omit<FetchWeightsOptions, 'signal'>;
  carryForwardEpochs?: number;
  /** Overrides the config's validity window (tests); default: `vectorExpirySeconds` of the config. */
  expiresAfterSeconds?: number;
  /** Backoff of the epoch's store/metagraph work while they are unavailable (default 1 s doubling to 30 s). */
  retry?: { minMs?: number; maxMs?: number };
  /** Raw snapshots older than this many epochs are pruned after a seal (default 24; at least carry-forward + 1). */
  retainSnapshotEpochs?: number;
  /** Published epoch inputs older than this many epochs are pruned after a seal (default 48): how far back an audit reaches. */
  retainInputEpochs?: number;
  now?: () => Date;
  onEvent?: (event: WeightsEvent) => void;
}

export type EpochRunResult =
  | { status: 'sealed'; epoch: number; vector: SealedVector }
  | { status: 'adopted'; epoch: number; vector: SealedVector; why: 'already-sealed' | 'sealed-by-another-computation' }
  | { status: 'failed'; epoch: number; error: string };

export interface WeightsLoopDetails extends WeightsReaderStatus {
  /** The epoch by the clock now; with `lastSealedEpoch`, how far sealing is behind (e.g. during a store outage). */
  currentEpoch: number;
  epochsSinceLastSeal: number | null;
  store: StoreAvailability;
  lastAttempt: { epoch: number; at: string; status: EpochRunResult['status'] | 'running' } | null;
}

/** How many epochs of published inputs are kept by default (what `base weights verify` can replay). */
export const DEFAULT_RETAIN_INPUT_EPOCHS = 48;

/** Errors that retrying within the epoch cannot fix: the input itself admits no vector, or the store refused it. */
function isFinal(error: unknown): boolean {
  return (
    error instanceof ZeroMinerWeightError ||
    error instanceof AggregationInputError ||
    error instanceof StoreInputError ||
    error instanceof StoreConfigError ||
    error instanceof RangeError
  );
}

export class WeightsEpochLoop implements WeightsReader {
  private readonly store: AvailableStore;
  private readonly now: () => Date;
  private readonly emit: (event: WeightsEvent) => void;
  private current: SealedVector | null = null;
  private lastError: string | null = null;
  private lastAttempt: WeightsLoopDetails['lastAttempt'] = null;
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;

  constructor(private readonly options: WeightsEpochLoopOptions) {
    const { store } = options;
    this.store = 'availability' in store && typeof store.availability === 'function' ? (store as AvailableStore) : trackAvailability(store);
    this.now = options.now ?? (() => new Date());
    this.emit = (event) => {
      try {
        options.onEvent?.(event);
      } catch {
        // a listener's failure is not the loop's
      }
    };
    const carry = options.carryForwardEpochs ?? 2;
    const retain = options.retainSnapshotEpochs ?? 24;
    if (!(retain > carry)) throw new RangeError(`retainSnapshotEpochs (${retain}) must be greater than carryForwardEpochs (${carry})`);
  }

  // ---- WeightsReader -------------------------------------------------------------------------------------------

  latest(): SealedVector | null {
    return this.current;
  }

  async atEpoch(epoch: number): Promise<SealedVector | null> {
    if (this.current?.epoch === epoch) return this.current;
    const stored = await this.store.vectorAt<SealedVector>(epoch);
    return stored?.document ?? null;
  }

  inputsAt(epoch: number): Promise<unknown | null> {
    return this.store.epochInputsAt(epoch);
  }

  status(): WeightsReaderStatus {
    return { lastSealedEpoch: this.current?.epoch ?? null, lastError: this.lastError, storeAvailable: this.store.availability().available };
  }

  details(): WeightsLoopDetails {
    const status = this.status();
    const currentEpoch = epochOf(this.now(), this.options.config().epochIntervalSeconds);
    return {
      ...status,
      currentEpoch,
      epochsSinceLastSeal: status.lastSealedEpoch === null ? null : currentEpoch - status.lastSealedEpoch,
      store: this.store.availability(),
      lastAttempt: this.lastAttempt,
    };
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------------

  /** The newest sealed vector from the store, so a restarted master serves at once. Never throws. */
  async loadLatest(): Promise<SealedVector | null> {
    try {
      const stored = await this.store.latestVector<SealedVector>();
      if (stored) {
        this.publish(stored.document);
        this.emit({ type: 'latest-loaded', epoch: stored.epoch, digest: stored.digest });
      }
      return stored?.document ?? null;
    } catch (error) {
      this.lastError = `loading the latest sealed vector: ${(error as Error).message}`;
      return null;
    }
  }

  /** Loads the latest vector, then runs every epoch at its start until `stop()`. */
  start(): void {
    if (this.running) return;
    const signal = this.stopping.signal;
    this.running = (async () => {
      await this.loadLatest();
      let lastRun = -1;
      while (!signal.aborted) {
        const { epochIntervalSeconds } = this.options.config();
        const epoch = epochOf(this.now(), epochIntervalSeconds);
        if (epoch > lastRun) {
          lastRun = epoch;
          await this.runEpoch(epoch);
        }
        // Until the next epoch starts; at once when this run overran into it (that epoch is then still unsealed).
        const wait = epochStart(lastRun + 1, epochIntervalSeconds).getTime() - this.now().getTime();
        if (wait > 0) await sleep(wait + 5, signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('the weights loop is stopping'));
    await this.running;
  }

  // ---- one epoch -----------------------------------------------------------------------------------------------

  /**
   * Runs one epoch to a sealed (or adopted) vector. Never throws: a failure is returned and kept in `status()`.
   * Store and metagraph outages are retried with backoff until `retryUntil` (default: the end of the epoch).
   */
  async runEpoch(epoch: number, options: { retryUntil?: Date } = {}): Promise<EpochRunResult> {
    const started = performance.now();
    const config = this.options.config();
    const retryUntil = options.retryUntil ?? epochStart(epoch + 1, config.epochIntervalSeconds);
    this.lastAttempt = { epoch, at: this.now().toISOString(), status: 'running' };
    const finish = (result: EpochRunResult): EpochRunResult => {
      if (this.lastAttempt?.epoch === epoch) this.lastAttempt.status = result.status;
      return result;
    };
    try {
      if (this.current === null) await this.loadLatest();
      const already = await this.retrying(epoch, retryUntil, () => this.store.vectorAt<SealedVector>(epoch));
      if (already) return finish(this.adopt(already.document, 'already-sealed'));

      const fetched = await collectWeights(config.challenges, {
        ...this.options.fetch,
        tokens: this.options.tokens,
        ...(this.options.originFor ? { originFor: this.options.originFor } : {}),
        signal: this.stopping.signal,
      });
      const fetchedAt = this.now();
      // Stopping cut the collection short: its failures are ours, not the challenges', so seal nothing.
      if (this.stopping.signal.aborted) throw new Error('the weights loop stopped during collection');

      const stored = await this.retrying(epoch, retryUntil, async () => {
        const metagraph = await this.options.metagraph.read();
        const computed = await computeEpochVector({
          netuid: config.netuid,
          chainEndpoint: config.chainEndpoint,
          epoch,
          challenges: config.challenges,
          fetched,
          fetchedAt,
          metagraph,
          store: this.store,
          desiredStateRevision: config.desiredStateRevision,
          computedAt: this.now(),
          ...(this.options.carryForwardEpochs !== undefined ? { carryForwardEpochs: this.options.carryForwardEpochs } : {}),
          expiresAfterSeconds: this.options.expiresAfterSeconds ?? vectorExpirySeconds(config.epochIntervalSeconds, config.vectorExpirySeconds),
        });
        if (computed.snapshotConflicts.length > 0) this.emit({ type: 'snapshot-conflict', epoch, slugs: computed.snapshotConflicts });
        return sealAndStore(this.store, computed.vector, this.options.keypair, computed.inputs);
      });
      if (!stored.created) return finish(this.adopt(stored.vector, stored.adoptedOther ? 'sealed-by-another-computation' : 'already-sealed'));

      this.publish(stored.vector);
      this.lastError = null;
      this.emit({
        type: 'epoch-sealed',
        epoch,
        digest: stored.vector.digest,
        durationMs: Math.round(performance.now() - started),
        sources: stored.vector.source_challenges.map((s) => ({ slug: s.slug, outcome: s.outcome, reason: s.reason })),
      });
      await this.prune(epoch);
      return finish({ status: 'sealed', epoch, vector: stored.vector });
    } catch (error) {
      const message = `epoch ${epoch}: nothing sealed: ${(error as Error).message ?? String(error)}`;
      this.lastError = message;
      this.emit({ type: 'epoch-failed', epoch, error: message });
      return finish({ status: 'failed', epoch, error: message });
    }
  }

  private adopt(vector: SealedVector, why: 'already-sealed' | 'sealed-by-another-computation'): EpochRunResult {
    const verified = verifyVector(vector, this.options.keypair.publicKey).ok;
    this.publish(vector);
    this.lastError = null;
    this.emit({ type: 'epoch-adopted', epoch: vector.epoch, digest: vector.digest, why, verified });
    return { status: 'adopted', epoch: vector.epoch, vector, why };
  }

  /** Only a newer vector replaces the served one. */
  private publish(vector: SealedVector): void {
    if (this.current === null || vector.epoch >= this.current.epoch) this.current = vector;
  }

  private retrying<T>(epoch: number, until: Date, work: () => Promise<T>): Promise<T> {
    const remaining = until.getTime() - this.now().getTime();
    return pRetry(work, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: this.options.retry?.minMs ?? 1_000,
      maxTimeout: this.options.retry?.maxMs ?? 30_000,
      factor: 2,
      maxRetryTime: Math.max(remaining, 0),
      signal: this.stopping.signal,
      unref: true,
      shouldRetry: ({ error }) => !isFinal(error),
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (isFinal(error)) return;
        this.lastError = `epoch ${epoch}: retrying (attempt ${attemptNumber}): ${error.message}`;
        this.emit({ type: 'epoch-retrying', epoch, attempt: attemptNumber, error: error.message });
      },
    });
  }

  private async prune(epoch: number): Promise<void> {
    const retain = this.options.retainSnapshotEpochs ?? 24;
    if (epoch - retain > 0) await this.store.pruneSnapshotsBefore(epoch - retain).catch(() => undefined);
    const retainInputs = this.options.retainInputEpochs ?? DEFAULT_RETAIN_INPUT_EPOCHS;
    if (epoch - retainInputs > 0) await this.store.pruneEpochInputsBefore(epoch - retainInputs).catch(() => undefined);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
