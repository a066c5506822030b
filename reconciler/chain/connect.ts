import { ApiPromise, WsProvider } from '@polkadot/api';
import type { ApiOptions } from '@polkadot/api/types';

type ExtDef = NonNullable<ApiOptions['signedExtensions']>;

/**
 * Current subtensor runtimes carry a custom transaction extension wrapping the fee payment with a compact tip.
 * `@polkadot/api` cannot sign for an extension it does not know, so it is declared — but only when the runtime's
 * metadata lists it (older runtimes, like the localnet's, do not).
 */
export const CHARGE_TRANSACTION_PAYMENT_WRAPPER = 'ChargeTransactionPaymentWrapper';

const KNOWN_CUSTOM_EXTENSIONS: ExtDef = {
  [CHARGE_TRANSACTION_PAYMENT_WRAPPER]: { extrinsic: { tip: 'Compact<Balance>' }, payload: {} },
};

/** The user-defined signed extensions to declare for a runtime whose metadata lists `identifiers`. */
export function signedExtensionsFor(identifiers: readonly string[]): ExtDef {
  const declared: ExtDef = {};
  for (const id of identifiers) {
    const definition = KNOWN_CUSTOM_EXTENSIONS[id];
    if (definition) declared[id] = definition;
  }
  return declared;
}

export interface ConnectOptions {
  /** How long to wait for the endpoint before giving up, in milliseconds. */
  timeoutMs?: number;
}

/** Thrown when the chain endpoint cannot be reached or does not answer like a Substrate node. */
export class ChainConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainConnectionError';
  }
}

/**
 * Connects to a subtensor node (ws:// or wss://). When the runtime lists a custom extension we know, the API is
 * created a second time with it declared, reusing the metadata already downloaded.
 */
export async function connectSubtensor(endpoint: string, options: ConnectOptions = {}): Promise<ApiPromise> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const first = await createApi(endpoint, timeoutMs, {});
  const declared = signedExtensionsFor(first.registry.signedExtensions);
  if (Object.keys(declared).length === 0) return first;
  const metadata = { [`${first.genesisHash.toHex()}-${first.runtimeVersion.specVersion.toString()}`]: first.runtimeMetadata.toHex() };
  await first.disconnect();
  return createApi(endpoint, timeoutMs, { signedExtensions: declared, metadata });
}

async function createApi(endpoint: string, timeoutMs: number, extra: Partial<ApiOptions>): Promise<ApiPromise> {
  // autoConnect stays on so that a dropped connection is re-established by the provider itself.
  const provider = new WsProvider(endpoint, 2_500, {}, timeoutMs);
  try {
    await withTimeout(provider.isReady, timeoutMs, `chain endpoint ${endpoint} did not connect within ${timeoutMs} ms`);
    return await withTimeout(
      ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true, ...extra }),
      timeoutMs,
      `chain endpoint ${endpoint} did not initialise the API within ${timeoutMs} ms`,
    );
  } catch (error) {
    await provider.disconnect().catch(() => undefined);
    if (error instanceof ChainConnectionError) throw error;
    throw new ChainConnectionError(`cannot connect to chain endpoint ${endpoint}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainConnectionError(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
