import type { Command } from 'commander';
import { action, UserError } from '../action.ts';

/** `base submitter run`: the validator's process that verifies the master's sealed vector and sets weights. */
export function register(program: Command): void {
  const submitter = program
    .command('submitter')
    .description("Validator side: verify the master's sealed weights vector and submit it on chain");

  submitter
    .command('run')
    .description(
      'Each round: fetch /v1/weights/latest, verify schema, netuid, expiry, freshness, digest, signature and u16 ' +
        'encoding, check the chain (registration, version key, uids, permit, min/max weights, rate limit), then ' +
        'set_weights once per digest, or a commit (timelocked or hash) when the subnet has commit-reveal on, followed ' +
        'to revealed or dropped. One JSON line per round (and per open commit) on stdout.',
    )
    .requiredOption('-c, --config <file>', 'submitter config (YAML or JSON), see schemas/submitter-config.schema.json')
    .option('--once', 'run a single round and exit (0 when submitted, committed, already submitted, waiting, or dry-run)', false)
    .option('--dry-run', 'do everything except signing and sending; print what would be submitted', false)
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 ok; 1 the round was refused or the chain rejected the submission (--once), or a bad config/key.',
        'The hotkey file must be mode 0600. The ledger in state_dir keeps a digest from ever being sent twice.',
        'Example: base submitter run --config /etc/base-submitter/config.yaml --once --dry-run',
      ].join('\n'),
    )
    .action(
      action(async (options: { config: string; once: boolean; dryRun: boolean }) => {
        // Loaded here so that other commands do not pay for @polkadot/api at start-up.
        const [{ ConfigError }, { HotkeyError }, { LedgerError }, { runSubmitter }] = await Promise.all([
          import('../../../submitter/config.ts'),
          import('../../../submitter/hotkey.ts'),
          import('../../../submitter/ledger.ts'),
          import('../../../submitter/run.ts'),
        ]);
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        try {
          return await runSubmitter({ configFile: options.config, once: options.once, dryRun: options.dryRun, signal: controller.signal });
        } catch (error) {
          if (error instanceof ConfigError || error instanceof HotkeyError || error instanceof LedgerError) throw new UserError(error.message);
          throw error;
        } finally {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
        }
      }),
    );
}
