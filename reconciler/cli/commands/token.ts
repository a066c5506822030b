import type { Command } from 'commander';
import { seconds } from './apply.ts';
import { action, UserError } from '../action.ts';

interface RotateFlags {
  stateDir?: string;
  dockerHost?: string;
  lockTimeout: string;
  rolloutTimeout: string;
  releaseTimeout: string;
}

/** `base token rotate <slug>`: a new shared token for one challenge, rolled out without downtime of the secret. */
export function register(program: Command): void {
  const token = program.command('token').description("Manage challenges' shared tokens (the bearer token the master sends to a challenge)");
  token
    .command('rotate')
    .description('Give a challenge a new token: new hash-named secret, service rolled to it, old secret removed')
    .argument('<slug>', 'challenge slug')
    .option('--state-dir <dir>', 'reconciler state folder with the tokens (default: $BASE_STATE_DIR or /var/lib/base/reconciler)')
    .option('--docker-host <url>', 'Docker Engine of the Swarm manager (default: DOCKER_HOST or /var/run/docker.sock)')
    .option('--lock-timeout <seconds>', 'wait this long for a running apply to finish', '60')
    .option('--rollout-timeout <seconds>', 'how long the service rollout may take', '180')
    .option('--release-timeout <seconds>', 'how long to wait for the old secret to be unused before leaving it for later', '60')
    .addHelpText(
      'after',
      `
Steps (under the apply lock): mint the new value in <state>/tokens/<slug>.token.next (0600); create the secret
challenge-<slug>-token-<hash12>; update the service's token reference only and wait for the rollout; the new value
replaces <slug>.token (the old one is kept as <slug>.token.previous until its secret is gone); remove the old secret
once no task uses it. A Swarm rollback leaves the old token in force. An interrupted run is finished by running the
command again. No token value is ever printed.

Example:
  base token rotate prompt-arena`,
    )
    .action(
      action(async (slug: string, flags: RotateFlags) => {
        const { dockerClient } = await import('../../live/index.ts');
        const { LockBusyError } = await import('../../lock/index.ts');
        const { openStateDir } = await import('../../state/index.ts');
        const { rotateChallengeToken, TokenRotateRefused } = await import('../../token/index.ts');
        try {
          const result = await rotateChallengeToken({
            docker: dockerClient(flags.dockerHost),
            state: openStateDir(flags.stateDir),
            slug,
            lockTimeoutMs: seconds(flags.lockTimeout, '--lock-timeout'),
            rollout: { timeoutMs: seconds(flags.rolloutTimeout, '--rollout-timeout'), pollMs: 500, stableMs: 1_500 },
            releaseTimeoutMs: seconds(flags.releaseTimeout, '--release-timeout'),
            progress: (line) => process.stdout.write(`  ${line}\n`),
          });
          process.stdout.write(
            `rotated the token of ${result.slug}: ${result.service} now mounts ${result.newSecret}` +
              (result.oldSecretRemoved ? `; ${result.oldSecret} removed\n` : `; ${result.oldSecret} kept (still in use)\n`),
          );
          return 0;
        } catch (error) {
          if (error instanceof TokenRotateRefused || error instanceof LockBusyError) throw new UserError(error.message);
          throw error;
        }
      }),
    );
}
