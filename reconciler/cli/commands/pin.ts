import type { Command } from 'commander';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { action, UserError } from '../action.ts';

interface PinFlags {
  update?: boolean;
  dryRun?: boolean;
  timeout: string;
}

/** `base pin [FILE]`: image tags → digests, in place. */
export function register(program: Command): void {
  program
    .command('pin')
    .description("Pin images to their registry's manifest digest: tag → tag@sha256:..., rewriting the file in place")
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--update', 're-resolve every tagged image, also those already pinned (a moved tag gets its new digest)')
    .option('--dry-run', 'print what would change; write nothing')
    .option('--timeout <seconds>', 'per registry request', '15')
    .addHelpText(
      'after',
      `
Images: master.image, every challenges[].image (drafts too) and broker.image. An image with a tag and no digest is resolved;
with --update every image with a tag is. No tag means :latest, and the tag is written out.

Digests come from the Registry HTTP API v2: HEAD /v2/<repository>/manifests/<tag> accepting manifest lists,
OCI indexes and manifests, with the anonymous bearer-token flow (public images only). Registries on
127.0.0.1/localhost are spoken to over http, all others over https; Docker Hub names get docker.io's defaults.

Only the image values change: comments, blank lines, quoting and order stay as they were. When any image cannot
be resolved nothing is written and every failure is listed (FILE:LINE:COL).

Exit status: 0 pinned or nothing to do, 1 on an error.

Examples:
  base pin                                  # desired-state/subnet.yaml
  base pin desired-state/subnet.yaml --update
  base pin --dry-run`,
    )
    .action(
      action(async (file: string, flags: PinFlags) => {
        const { PinError, pinFile } = await import('../../challenge/pin.ts');
        const seconds = Number(flags.timeout);
        if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`--timeout: expected a number of seconds > 0, found ${JSON.stringify(flags.timeout)}`);
        try {
          const result = await pinFile(file, { update: Boolean(flags.update), dryRun: Boolean(flags.dryRun), timeoutMs: seconds * 1000 });
          for (const outcome of result.outcomes) {
            const where = `${file}:${outcome.site.line}:${outcome.site.column}: ${outcome.site.path}`;
            if (outcome.action === 'pinned') process.stdout.write(`${where}: ${outcome.from} -> ${outcome.to}\n`);
            else process.stdout.write(`${where}: ${outcome.site.value}: ${outcome.reason}\n`);
          }
          const pinned = result.outcomes.filter((o) => o.action === 'pinned').length;
          const verb = flags.dryRun ? 'would pin' : 'pinned';
          process.stdout.write(`${file}: ${verb} ${pinned} of ${result.outcomes.length} images${flags.dryRun || !result.changed ? ' (file unchanged)' : ''}\n`);
          return 0;
        } catch (error) {
          if (error instanceof PinError) throw new UserError(error.message);
          throw error;
        }
      }),
    );
}
