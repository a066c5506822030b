import { setTimeout as sleep } from 'node:timers/promises';
import { u8aToHex } from '@polkadot/util';
import { loadSubmitterConfig } from './config.ts';
import type { SubmitterConfig } from './config.ts';
import { SubtensorChainAccess } from './chain-access.ts';
import { fetchLatestVector, redactUrl } from './fetch-vector.ts';
import { inputsUrlFor } from './recompute.ts';
import { loadHotkey } from './hotkey.ts';
import { acquireStateLock, Ledger } from './ledger.ts';
import { runRound, SUCCESSFUL_OUTCOMES } from './round.ts';
import type { ChainAccess, RevealReport, RoundReport } from './report.ts';
import { trackCommits } from './reveal-tracking.ts';

export interface SubmitterRunOptions {
  configFile: string;
  once: boolean;
  dryRun: boolean;
  /** One JSON object per line. */
  log?: (line: string) => void;
  /** Stops the loop after the current round (SIGTERM/SIGINT in the CLI). */
  signal?: AbortSignal;
  /** Tests replace the chain; the CLI never does. */
  chain?: ChainAccess;
}

/**
 * The submitter process: load and check everything up front (config, hotkey, ledger), then one round every
 * cadence — or sooner when the chain's rate limit lifts — until stopped. Returns the exit code.
 */
export async function runSubmitter(options: SubmitterRunOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const config = loadSubmitterConfig(options.configFile);
  const pair = await loadHotkey(config.hotkey);
  const hotkey = pair.address;

  // A dry run never writes: it reads the ledger if there is one, and takes no lock.
  const release = options.dryRun ? () => undefined : acquireStateLock(config.stateDir);
  const ownChain = options.chain ? undefined : new SubtensorChainAccess(config.chainEndpoint, pair, config.chain);
  try {
    const ledger = options.dryRun ? Ledger.openReadOnly(config.stateDir) : Ledger.open(config.stateDir);
    log(JSON.stringify(startLine(config, hotkey, options)));
    const chain = options.chain ?? ownChain!;
    for (;;) {
      // Earlier commits first: a reveal due now must not wait behind a new vector.
      const reveals = await trackCommits({ config, hotkey, ledger, chain, dryRun: options.dryRun });
      for (const line of reveals) log(JSON.stringify(line));
      const report = await runRound({
        config,
        hotkey,
        ledger,
        chain,
        dryRun: options.dryRun,
        fetchVector: () => fetchLatestVector(config.weightsUrl, config.http),
        fetchInputs: (epoch) => fetchLatestVector(inputsUrlFor(config.weightsUrl, epoch), config.http),
      });
      log(JSON.stringify(report));
      if (options.once) return SUCCESSFUL_OUTCOMES.has(report.outcome) && !reveals.some((r) => r.outcome === 'dropped') ? 0 : 1;
      const wait = nextWait([report, ...reveals], config);
      try {
        await sleep(wait, undefined, { signal: options.signal });
      } catch {
        // aborted: stop
      }
      if (options.signal?.aborted) {
        log(JSON.stringify({ event: 'stop', at: new Date().toISOString(), hotkey, netuid: config.netuid }));
        return 0;
      }
    }
  } finally {
    await ownChain?.close();
    release();
  }
}

/** The cadence, or sooner when a report knows better (rate limit lifting, a reveal window opening); never a busy loop. */
export function nextWait(reports: ReadonlyArray<Pick<RoundReport | RevealReport, 'next_round_in_ms'>>, config: SubmitterConfig): number {
  const hints = reports.map((r) => r.next_round_in_ms).filter((hint): hint is number => hint !== undefined);
  if (hints.length === 0) return config.cadenceMs;
  return Math.max(1_000, Math.min(...hints, config.cadenceMs));
}

function startLine(config: SubmitterConfig, hotkey: string, options: SubmitterRunOptions) {
  return {
    event: 'start',
    at: new Date().toISOString(),
    hotkey,
    netuid: config.netuid,
    weights_url: redactUrl(config.weightsUrl),
    chain_endpoint: redactUrl(config.chainEndpoint),
    master_public_key: u8aToHex(config.masterPublicKey),
    version_key: config.versionKey.toString(),
    verify: config.verify,
    state_dir: config.stateDir,
    once: options.once,
    dry_run: options.dryRun,
  };
}
