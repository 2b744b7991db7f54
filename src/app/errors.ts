/**
 * Exit codes of the `saliency` command and the errors that map to them.
 *
 *   0  success
 *   1  a check failed (`verify` found a mismatch), or an unexpected internal error
 *   2  bad usage: unknown verb or flag, a flag value that does not parse (--steps abc,
 *      --baseline blur:sigma=-1, an unknown method)
 *   3  bad input: a missing file, a file that is not a model, an op without a backward
 *      rule (named), an image that cannot be decoded, a target class out of range
 *
 * The library functions (explain, compare, demo ...) throw these errors too, so a caller
 * can tell a mistake in what it asked for from a mistake in what it gave.
 */
import { CommanderError } from 'commander';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, badInput: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export { SaliencyError, UsageError, BadInputError, CheckFailedError, type ErrorCode } from '../errors.js';
import { SaliencyError, UsageError, BadInputError, CheckFailedError } from '../errors.js';

/** Error class names (from other layers) that mean bad input; matched by name so this file imports none of them. */
const BAD_INPUT_NAMES = new Set(['ImageError', 'OnnxLoadError', 'UnsupportedOpError', 'PreprocessingError', 'GradientError']);

/** The exit code for any error thrown while running a verb. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof BadInputError) return EXIT.badInput;
  if (e instanceof CheckFailedError) return EXIT.checkFailed;
  if (e instanceof Error && BAD_INPUT_NAMES.has(e.name)) return EXIT.badInput;
  return EXIT.checkFailed;
}

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
