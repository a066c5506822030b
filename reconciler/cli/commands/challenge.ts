import type { Command } from 'commander';
import { action, UserError } from '../action.ts';

interface CreateFlags {
  out: string;
  name?: string;
  image?: string;
}

/** `base challenge create <slug> --out DIR`: a new challenge repository from the template. */
export function register(program: Command): void {
  const challenge = program.command('challenge').description('Work on challenge repositories (create one from the template)');
  challenge
    .command('create')
    .description('Render challenge-template/ into a new challenge repository for SLUG')
    .argument('<slug>', 'the challenge slug: lower-case letters, digits and -, at most 48 characters (the service is challenge-<slug>)')
    .requiredOption('--out <dir>', 'folder to create (must not exist)')
    .option('--name <name>', 'human-readable name (default: the slug in title case)')
    .option('--image <repository>', 'image repository to suggest in the subnet.yaml entry (default: ghcr.io/OWNER/challenge-<slug>)')
    .addHelpText(
      'after',
      `
The new folder is a standalone repository: TypeScript service (health, version, token-guarded weights, example
submit/leaderboard routes, SQLite state), Dockerfile, tests and a CI workflow that publishes the image. The
template's slug and name are replaced everywhere. An existing folder is never touched.

Prints the next steps and the exact entry to add under \`challenges:\` in subnet.yaml.

Examples:
  base challenge create prompt-arena --out ../challenge-prompt-arena --name "Prompt Arena"
  base challenge create my-bench --out /tmp/my-bench --image ghcr.io/acme/challenge-my-bench`,
    )
    .action(
      action(async (slug: string, flags: CreateFlags) => {
        const { createChallenge, CreateChallengeError, nextSteps } = await import('../../challenge/create.ts');
        try {
          const created = await createChallenge({ slug, out: flags.out, ...(flags.name !== undefined ? { name: flags.name } : {}), ...(flags.image ? { imageRepository: flags.image } : {}) });
          process.stdout.write(nextSteps(created, flags.out));
          return 0;
        } catch (error) {
          if (error instanceof CreateChallengeError) throw new UserError(error.message);
          throw error;
        }
      }),
    );
}
