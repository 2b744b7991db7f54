/**
 * The application layer's errors: those of every layer (src/errors.ts: usage, bad
 * input, check, each with a code the CLI maps to an exit code in src/cli/exit.ts), and
 * the helper that turns a lower layer's failure on a user's file into bad input.
 *
 * The library functions (explain, compare, demo ...) throw these errors too, so a caller
 * can tell a mistake in what it asked for from a mistake in what it gave.
 */
export { SaliencyError, UsageError, BadInputError, CheckFailedError, type ErrorCode } from '../errors.js';
import { UsageError, BadInputError } from '../errors.js';

/** Run `f`; errors it throws become BadInputError with `what` in front (UsageError passes through). */
export async function asBadInput<T>(what: string, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError || e instanceof BadInputError) throw e;
    const message = (e as Error).message ?? String(e);
    throw new BadInputError(what ? `${what}: ${message}` : message);
  }
}
