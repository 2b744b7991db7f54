/**
 * Exit codes of the `saliency` command, from the code every error carries
 * (src/errors.ts), never from its message. One table: --help and the README print it.
 *
 *   0      success
 *   1      a check failed (`verify` found a mismatch)
 *   2      bad usage: unknown verb, flag or preset, a flag value that does not parse
 *   3      bad input: a missing or unreadable file, a file that is not a model, an op
 *          without a backward rule (named), an undecodable image, inputs that are NaN,
 *          empty or misshapen, a label file that does not fit, a target out of range
 *   4      the output cannot be written: --out not writable, read-only or full, or another
 *          run is writing to it
 *   70     internal error: a bug (SALIENCY_DEBUG=1 prints the stack)
 *   128+n  killed by signal n (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP): partial output removed
 */
import { CommanderError } from 'commander';
import { SaliencyError, type ErrorCode } from '../errors.js';

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, badInput: 3, output: 4, internal: 70 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table --help and the README print. */
export const EXIT_TABLE: ReadonlyArray<readonly [string, string]> = [
  ['0', 'success'],
  ['1', 'a check failed (verify found a mismatch)'],
  ['2', 'bad usage: unknown verb, flag or preset, a flag value that does not parse'],
  ['3', 'bad input: missing or unreadable file, not a model, op without a backward rule, undecodable image, NaN/empty/misshapen inputs, labels that do not fit, target out of range'],
  ['4', 'the output cannot be written: --out not writable, read-only or full, or another run is writing to it'],
  ['70', 'internal error: a bug in saliency-lab (SALIENCY_DEBUG=1 prints the stack)'],
  ['130 143 129', 'interrupted by Ctrl-C, SIGTERM, SIGHUP: partial output removed'],
];

const BY_CODE: Record<ErrorCode, ExitCode> = {
  usage: EXIT.usage,
  'bad-input': EXIT.badInput,
  'bad-model': EXIT.badInput,
  'unsupported-op': EXIT.badInput,
  output: EXIT.output,
  check: EXIT.checkFailed,
};

/** The exit code for any error thrown while running a verb. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof SaliencyError) return BY_CODE[e.code];
  return EXIT.internal;
}
