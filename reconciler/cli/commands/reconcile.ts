import type { Command } from 'commander';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { action, UserError } from '../action.ts';
import { seconds } from './apply.ts';

interface ReconcileFlags {
  watch?: boolean;
  interval: string;
  gitPoll: string;
  stateDir?: string;
  dockerHost?: string;
  lockTimeout: string;
  breakLock?: boolean;
  rolloutTimeout: string;
  allowMassDelete?: boolean;
  maxDeletes?: string;
  onlyPrefix?: string[];
}

/** `base reconcile [FILE] [--watch]`: converge without asking, once or continuously. */
export function register(program: Command): void {
  program
    .command('reconcile')
    .description('Converge the Swarm to the desired state without asking: one pass, or continuously with --watch')
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--watch', 'keep running: reconcile on file changes, new upstream commits and every --interval')
    .option('--interval <seconds>', 'drift interval: check the live Swarm at least this often', '60')
    .option('--git-poll <seconds>', 'git fetch interval for new upstream commits (0 = off)', '60')
    .option('--state-dir <dir>', 'reconciler state folder with the tokens (default: $BASE_STATE_DIR or /var/lib/base/reconciler)')
    .option('--docker-host <url>', 'Docker Engine of a Swarm manager (default: DOCKER_HOST or /var/run/docker.sock)')
    .option('--lock-timeout <seconds>', 'wait this long for a running apply before giving up on a pass', '60')
    .option('--break-lock', 'break a stale apply lock (holder process dead, or no heartbeat within the TTL) when a pass meets one')
    .option('--rollout-timeout <seconds>', 'how long each service rollout may take before it counts as failed', '180')
    .option('--allow-mass-delete', 'allow a plan that deletes many (or all) challenge services')
    .option('--max-deletes <n>', 'refuse plans deleting more services than this (default 3)')
    .option('--only-prefix <prefix...>', 'limit to objects whose names start with a prefix')
    .addHelpText(
      'after',
      `
A pass validates the file (invalid: reported, nothing applied), runs a drift check (observe + plan, no writes) and
applies only when the plan has changes, under the same lock as base apply. With --watch, failing passes are
retried with exponential backoff; new upstream commits are fast-forwarded only on a clean checkout whose HEAD
the upstream descends from (otherwise reported, never rewritten).

Exit status (without --watch): 0 in sync or applied successfully, 1 invalid file or failed apply.

Examples:
  base reconcile                        # one pass
  base reconcile --watch --interval 30 --git-poll 120`,
    )
    .action(
      action(async (file: string, flags: ReconcileFlags) => {
        const { openStateDir } = await import('../../state/index.ts');
        const { dockerClient } = await import('../../live/index.ts');
        const { LockBusyError } = await import('../../lock/index.ts');
        const { engineUnreachableMessage, isEngineUnreachable } = await import('../../apply/docker-errors.ts');
        const { ReconcileLoop, reconcileOnce } = await import('../../loop/index.ts');
        const state = openStateDir(flags.stateDir);
        const docker = dockerClient(flags.dockerHost);
        const maxDeletes = flags.maxDeletes === undefined ? undefined : Number(flags.maxDeletes);
        const common = {
          file,
          docker,
          state,
          scope: flags.onlyPrefix?.length ? { namePrefixes: flags.onlyPrefix } : null,
          lockTimeoutMs: seconds(flags.lockTimeout, '--lock-timeout'),
          breakStaleLock: Boolean(flags.breakLock),
          rollout: { timeoutMs: seconds(flags.rolloutTimeout, '--rollout-timeout') },
          ...(maxDeletes !== undefined && Number.isInteger(maxDeletes) ? { maxDeletes } : {}),
          allowMassDelete: Boolean(flags.allowMassDelete),
          log: (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
        };
        if (!flags.watch) {
          try {
            const result = await reconcileOnce(common);
            if (result.kind === 'invalid') return 1;
            if (result.kind === 'in-sync') {
              common.log(`in sync (drift check ${result.driftCheckMs.toFixed(0)} ms)`);
              return 0;
            }
            return result.outcome.exitCode;
          } catch (error) {
            if (error instanceof LockBusyError) throw new UserError(error.message);
          if (isEngineUnreachable(error)) throw new UserError(engineUnreachableMessage(error, flags.dockerHost));
            throw error;
          }
        }
        const interval = seconds(flags.interval, '--interval');
        if (interval < 1000) throw new UserError('--interval: at least 1 second');
        const gitPoll = seconds(flags.gitPoll, '--git-poll');
        const loop = new ReconcileLoop({ ...common, driftIntervalMs: interval, gitPollMs: gitPoll === 0 ? null : gitPoll });
        loop.start();
        common.log(`watching ${file} (drift every ${interval / 1000}s${gitPoll ? `, git fetch every ${gitPoll / 1000}s` : ''}); Ctrl-C stops`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await loop.stop();
        return 0;
      }),
    );
}
