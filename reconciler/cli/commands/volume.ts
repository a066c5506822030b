import type { Command } from 'commander';
import { seconds } from './apply.ts';
import { action, UserError } from '../action.ts';

interface VolumeFlags {
  dockerHost?: string;
}

/** `base volume show|purge`: a challenge's data volume; purge is the only way its data is removed. */
export function register(program: Command): void {
  const volume = program
    .command('volume')
    .description("Show or purge a challenge's data volume (challenge-<slug>-data)")
    .option('--docker-host <url>', 'Docker Engine of the Swarm manager (default: DOCKER_HOST or /var/run/docker.sock)')
    .addHelpText(
      'after',
      `
Reconciling never removes a volume: a challenge removed from subnet.yaml (or set inactive) keeps its data.
base volume purge is the only way to delete it, and only once nothing uses it.

Examples:
  base volume show prompt-arena
  base volume purge prompt-arena --confirm prompt-arena`,
    );
  // Docker's client and the volume code are loaded only when a sub-command runs, not at start-up.
  const docker = async () => (await import('../../live/index.ts')).dockerClient((volume.opts() as VolumeFlags).dockerHost);

  volume
    .command('show')
    .description("Show a challenge's data volume: labels, size, and what uses it")
    .argument('<slug>', 'challenge slug')
    .action(
      action(async (slug: string) => {
        const { describeChallengeVolume, describeVolumeText } = await import('../../volume/index.ts');
        const info = await describeChallengeVolume(await docker(), slug).catch(rethrowRefusal);
        process.stdout.write(describeVolumeText(info));
        return info.exists ? 0 : 1;
      }),
    );

  volume
    .command('purge')
    .description("Delete a challenge's data volume (its data is gone for good); refused while anything uses it")
    .argument('<slug>', 'challenge slug')
    .option('--confirm <slug>', 'must repeat the slug exactly')
    .option('--state-dir <dir>', 'reconciler state folder holding the apply lock (default: $BASE_STATE_DIR or /var/lib/base/reconciler)')
    .option('--lock-timeout <seconds>', 'wait this long for a running apply to finish', '60')
    .addHelpText(
      'after',
      `
Deletes only the volume named challenge-<slug>-data that carries base.managed-by=base and base.challenge.slug=<slug>.
Refused while a service mounts it (even scaled to 0), a task of such a service has not stopped, or any container
references it. Takes the apply lock, so no base apply / reconcile pass runs meanwhile.
If the challenge is still active in subnet.yaml, the next base apply creates a new, empty volume.`,
    )
    .action(
      action(async (slug: string, flags: { confirm?: string; stateDir?: string; lockTimeout: string }) => {
        const { describeChallengeVolume, describeVolumeText, formatBytes, purgeChallengeVolume } = await import('../../volume/index.ts');
        const { acquireApplyLock, LockBusyError } = await import('../../lock/index.ts');
        const { openStateDir } = await import('../../state/index.ts');
        const client = await docker();
        const state = openStateDir(flags.stateDir);
        let lock;
        try {
          lock = await acquireApplyLock(state.dir, { timeoutMs: seconds(flags.lockTimeout, '--lock-timeout'), command: `base volume purge ${slug}` });
        } catch (error) {
          if (error instanceof LockBusyError) throw new UserError(error.message);
          throw error;
        }
        try {
          const before = await describeChallengeVolume(client, slug).catch(rethrowRefusal);
          process.stdout.write(describeVolumeText(before));
          const removed = await purgeChallengeVolume(client, slug, flags.confirm).catch(rethrowRefusal);
          process.stdout.write(`purged volume ${removed.name} (${formatBytes(removed.sizeBytes)})\n`);
          return 0;
        } finally {
          await lock.release();
        }
      }),
    );
}

async function rethrowRefusal(error: unknown): Promise<never> {
  const { VolumePurgeRefused } = await import('../../volume/index.ts');
  if (error instanceof VolumePurgeRefused) throw new UserError(`refused: ${error.message}`);
  throw error;
}
