/**
 * A failure the user can act on: printed as one clear message on stderr, without a stack trace.
 * Throw it from a command (or a module a command calls) for bad input or an unmet precondition.
 * Lives below every layer so the master and desired-state loading can throw it without importing the CLI.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
