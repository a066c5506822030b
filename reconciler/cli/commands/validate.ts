import type { Command } from 'commander';
import { DEFAULT_DESIRED_STATE_FILE } from '../defaults.ts';
import { action, UserError } from '../action.ts';

/** `base validate [FILE] [--json]`: checks a desired-state file and changes nothing. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('Check a desired-state file against the schema and the semantic rules; changes nothing')
    .argument('[file]', 'desired-state YAML file', DEFAULT_DESIRED_STATE_FILE)
    .option('--json', 'print { file, valid, problems } as JSON on stdout instead of text')
    .addHelpText(
      'after',
      `
Exit status: 0 when the file is valid, 1 when it is not (or cannot be read).
Problems are printed one per line as FILE:LINE:COL: message, sorted by position.

Examples:
  base validate
  base validate desired-state/examples/development.yaml --json`,
    )
    .action(
      action(async (file: string, options: { json?: boolean }) => {
        const { formatProblem, loadDesiredState } = await import('../../desired-state/index.ts');
        const result = await loadDesiredState(file);
        const problems = result.ok ? [] : result.problems;
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ file, valid: result.ok, problems }, null, 2)}\n`);
        } else if (result.ok) {
          const { state } = result;
          process.stdout.write(
            `${file}: OK (subnet ${state.subnet.name}, netuid ${state.subnet.netuid}, ${state.subnet.environment}; ` +
              `${state.challenges.length} challenges, ${state.networks.length} networks, ${state.workers?.length ?? 0} workers)\n`,
          );
        } else if (problems.length === 1 && problems[0]?.rule === 'file.unreadable') {
          throw new UserError(`${file}: ${problems[0].message}`);
        } else {
          process.stderr.write(`${problems.map(formatProblem).join('\n')}\n`);
        }
        return result.ok ? 0 : 1;
      }),
    );
}
