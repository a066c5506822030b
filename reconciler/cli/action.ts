/**
 * A failure the user can act on: printed as one clear message on stderr, without a stack trace.
 * Throw it from a command for bad input or an unmet precondition.
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

/**
 * Wraps a command handler: its returned number becomes the exit code; a UserError is printed plainly;
 * anything else is a bug and keeps its stack.
 */
export function action<Args extends unknown[]>(handler: (...args: Args) => Promise<number> | number) {
  return async (...args: Args): Promise<void> => {
    try {
      process.exitCode = await handler(...args);
    } catch (error) {
      if (error instanceof UserError) {
        process.stderr.write(`error: ${error.message}\n`);
        process.exitCode = error.exitCode;
        return;
      }
      throw error;
    }
  };
}
