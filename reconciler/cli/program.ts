import { Command, CommanderError } from 'commander';
import type { CommandModule } from './commands/index.ts';

/** Builds a `base` program from command modules; every module registers itself (and its `--help`). */
export function buildProgramOf(modules: readonly CommandModule[], version: string): Command {
  const program = new Command('base')
    .description('Control plane of the BASE subnet: desired state, reconciler, master HTTP surface, weights, submitter.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const module of modules) module.register(program);
  // Sub-commands inherit exitOverride so that usage errors return an exit code instead of killing the process.
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Runs a program and returns the process exit code (0 ok, 1 error, 2 "changes pending" where a command says so). */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
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

/**
 * A reader that goes away early (`base plan --help | head -1`) is not a failure of ours: stop quietly with 0
 * instead of dying on an unhandled EPIPE. Any other stream error stays fatal.
 */
export function exitQuietlyOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}
