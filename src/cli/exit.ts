/**
 * Exit codes of the `saliency` command, from the code every error carries
 * (src/errors.ts), never from its message.
 *
 *   0  success
 *   1  a check failed (`verify` found a mismatch), or an unexpected internal error
 *   2  bad usage: unknown verb or flag, a flag value that does not parse (--steps abc,
 *      --baseline blur:sigma=-1, an unknown method)
 *   3  bad input: a missing file, a file that is not a model, an op without a backward
 *      rule (named), an image that cannot be decoded, a target class out of range
 */
import { CommanderError } from 'commander';
import { SaliencyError, type ErrorCode } from '../errors.js';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, badInput: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Record<ErrorCode, ExitCode> = {
  usage: EXIT.usage,
  'bad-input': EXIT.badInput,
  'bad-model': EXIT.badInput,
  'unsupported-op': EXIT.badInput,
  check: EXIT.checkFailed,
};

/** The exit code for any error thrown while running a verb. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof SaliencyError) return BY_CODE[e.code];
  return EXIT.checkFailed;
}
