/** Every error the store throws on purpose is a StoreError; messages never carry a database password. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The database cannot be reached right now (refused, reset, timed out, shutting down). Retryable: the caller keeps
 * serving what it holds in memory and tries again later; the store reconnects by itself.
 */
export class StoreUnavailableError extends StoreError {}

/** The store configuration is unusable (bad URL, SQLite in production, ...). Not retryable. */
export class StoreConfigError extends StoreError {}

/** A caller passed a value the store refuses (bad epoch, timestamp, slug, ...). */
export class StoreInputError extends StoreError {}

/** Recording something that must be unique twice (e.g. the same apply id). */
export class StoreConflictError extends StoreError {}

/** Sealing an epoch that is already sealed with a different digest. The stored vector is kept. */
export class VectorSealConflictError extends StoreConflictError {
  constructor(
    readonly epoch: number,
    readonly existingDigest: string,
    readonly offeredDigest: string,
  ) {
    super(
      `epoch ${epoch} is already sealed with digest ${existingDigest}; refusing to seal it again with ` +
        `different content (digest ${offeredDigest}): a sealed vector is immutable`,
    );
  }
}
