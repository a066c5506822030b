import { Command, CommanderError } from 'commander';
import { commandModules } from './commands/index.ts';
import { readPackageVersion } from './version.ts';

/** Builds the `base` program; every command module registers itself (and its `--help`). */
export function buildProgram(): Command {
  const program = new Command('base')
    .description('Control plane of the BASE subnet: desired state, reconciler, master HTTP surface, weights, submitter.')
    .version(readPackageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const module of commandModules) module.register(program);
  // Sub-commands inherit exitOverride so that usage errors return an exit code instead of killing the process.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Runs the CLI and returns the process exit code (0 ok, 1 error, 2 "changes pending" where a command says so). */
export async function main(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are "errors" to commander; they exit 0.
      return error.exitCode;
    }
    throw error;
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : 0;
}
