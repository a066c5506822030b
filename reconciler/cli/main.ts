import type { Command } from 'commander';
import { commandModules } from './commands/index.ts';
import { buildProgramOf, runProgram } from './program.ts';
import { readPackageVersion } from './version.ts';

export { exitQuietlyOnClosedPipes } from './program.ts';

/** The whole `base` program, every command. */
export function buildProgram(): Command {
  return buildProgramOf(commandModules, readPackageVersion());
}

/** Runs the CLI and returns the process exit code (0 ok, 1 error, 2 "changes pending" where a command says so). */
export async function main(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
