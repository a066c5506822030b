import { UserError } from '../errors/user-error.ts';

export { UserError };

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
