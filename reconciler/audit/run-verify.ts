/**
 * `base weights verify`: fetch sealed vectors and their inputs from a master, walking the hash chain backwards from
 * `--to` (default: the latest) to `--from` (default: 48 vectors back, or the start of the chain), verify each epoch
 * (`verifyEpoch`) and the links between them (`verifyChain`).
 */
import { verifyChain, verifyEpoch, type ChainLink, type EpochVerdict } from './verify-epoch.ts';

export const DEFAULT_VERIFY_DEPTH = 48;

export interface VerifyOptions {
  master: string;
  from?: number;
  to?: number;
  /** The master's sr25519 key (0x hex or SS58). Absent: the key the master publishes in /v1/registry. */
  publicKey?: string;
  /** Vectors to walk back when `from` is absent. */
  depth?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface EpochReport extends EpochVerdict {
  chain: ChainLink | null;
}

export interface VerifySummary {
  master: string;
  signer: { public_key: string; from: 'option' | 'registry' };
  from: number | null;
  to: number | null;
  epochs: number;
  verified: number;
  mismatched: number;
  unverifiable: number;
  chain_broken: number;
  gaps: Array<{ from: number; to: number }>;
  /** true when every verifiable part verified and the chain holds. */
  ok: boolean;
  reports: EpochReport[];
}

/** The master cannot be asked (network, HTTP error other than 404, a body that is not JSON). */
export class VerifyFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyFetchError';
  }
}

export async function runVerify(options: VerifyOptions): Promise<VerifySummary> {
  const base = options.master.replace(/\/+$/, '');
  const get = (path: string) => getMasterJson(options.fetch ?? fetch, `${base}${path}`, options.timeoutMs ?? 30_000);

  let signer: VerifySummary['signer'];
  if (options.publicKey) {
    signer = { public_key: options.publicKey, from: 'option' };
  } else {
    const registry = (await get('/v1/registry')) as { master_signing_public_key?: unknown } | null;
    const key = registry?.master_signing_public_key;
    if (typeof key !== 'string') throw new VerifyFetchError(`${base}/v1/registry publishes no master_signing_public_key; pass --public-key`);
    signer = { public_key: key, from: 'registry' };
  }

  const first = await get(options.to === undefined ? '/v1/weights/latest' : `/v1/weights/${options.to}`);
  if (first === null) throw new VerifyFetchError(`${base}: no sealed vector ${options.to === undefined ? 'yet' : `for epoch ${options.to}`}`);
  const depth = options.depth ?? DEFAULT_VERIFY_DEPTH;
  const verdicts: EpochVerdict[] = [];
  let vector: unknown = first;
  while (vector !== null) {
    const epoch = (vector as { epoch?: unknown }).epoch;
    if (typeof epoch !== 'number') {
      verdicts.push(verifyEpoch(vector, null, signer.public_key));
      break;
    }
    const inputs = await get(`/v1/weights/${epoch}/inputs`);
    const verdict = verifyEpoch(vector, inputs, signer.public_key);
    verdicts.push(verdict);
    const previous = verdict.previousEpoch;
    if (previous === null || previous >= epoch) break;
    if (options.from !== undefined ? previous < options.from : verdicts.length >= depth) break;
    vector = await get(`/v1/weights/${previous}`);
    if (vector === null) {
      verdicts.push({
        epoch: previous,
        status: 'mismatch',
        digest: null,
        field: 'vector',
        detail: `epoch ${epoch}'s previous_epoch names epoch ${previous}, which the master does not serve (404)`,
        unverifiable: [],
        previousEpoch: null,
        previousDigest: null,
      });
    }
  }

  const links = new Map(verifyChain(verdicts).map((link) => [link.epoch, link]));
  const reports = verdicts
    .map((verdict): EpochReport => ({ ...verdict, chain: links.get(verdict.epoch) ?? null }))
    .sort((a, b) => a.epoch - b.epoch);
  const count = (status: EpochVerdict['status']) => reports.filter((r) => r.status === status).length;
  const chainBroken = reports.filter((r) => r.chain?.status === 'broken').length;
  return {
    master: base,
    signer,
    from: reports[0]?.epoch ?? null,
    to: reports.at(-1)?.epoch ?? null,
    epochs: reports.length,
    verified: count('verified'),
    mismatched: count('mismatch'),
    unverifiable: count('unverifiable'),
    chain_broken: chainBroken,
    gaps: reports.flatMap((r) => (r.chain?.gap ? [r.chain.gap] : [])),
    ok: count('mismatch') === 0 && chainBroken === 0,
    reports,
  };
}

/** One line per epoch, for the terminal. */
export function verifyLines(summary: VerifySummary): string[] {
  const lines: string[] = [];
  for (const report of summary.reports) {
    if (report.chain?.gap) lines.push(`epochs ${report.chain.gap.from}..${report.chain.gap.to}: never sealed (gap before epoch ${report.epoch})`);
    const chain =
      report.chain?.status === 'broken'
        ? ` — chain broken: ${report.chain.detail}`
        : report.chain?.status === 'start'
          ? ' (start of the chain)'
          : '';
    const digest = report.digest ? ` ${report.digest.slice(0, 12)}` : '';
    if (report.status === 'mismatch') {
      lines.push(`epoch ${report.epoch}${digest}: mismatch in ${report.field}: ${report.detail}${chain}`);
    } else if (report.status === 'unverifiable') {
      lines.push(`epoch ${report.epoch}${digest}: unverifiable part: ${report.unverifiable.join('; ')}${chain}`);
    } else {
      lines.push(`epoch ${report.epoch}${digest}: verified${chain}`);
    }
  }
  return lines;
}

/** GET a JSON document of the master: null on 404, VerifyFetchError on anything else that is not JSON with 2xx. */
export async function getMasterJson(fetchImpl: typeof fetch, url: string, timeoutMs: number): Promise<unknown | null> {
  let response: Response;
  try {
    response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new VerifyFetchError(`GET ${url}: ${(error as Error).message}`);
  }
  if (response.status === 404) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new VerifyFetchError(`GET ${url}: HTTP ${response.status}`);
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VerifyFetchError(`GET ${url}: the body is not JSON`);
  }
}
