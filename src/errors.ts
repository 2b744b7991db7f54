/**
 * The errors every layer may throw, each with a code saying whose mistake it is; the CLI
 * maps codes to exit codes (src/cli/exit.ts) without reading messages. This module is at
 * the bottom: it imports nothing, so the registry, baselines and engine can use it.
 *
 *   usage           a request that cannot work: unknown method, a flag value out of range
 *   bad-input       input that cannot be used: missing or unreadable file or image, target out of range
 *   bad-model       a file that is not a readable model (graph/onnx.ts: OnnxLoadError)
 *   unsupported-op  an op the gradient cannot flow through (UnsupportedOpError, tfjs GradientError)
 *   output          the output cannot be written: --out not writable, full, or held by another run
 *   check           a check reported a failure (`verify` found a mismatch)
 */
export type ErrorCode = 'usage' | 'bad-input' | 'bad-model' | 'unsupported-op' | 'output' | 'check';

export class SaliencyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A request, flag value or combination that cannot work (exit code 2). */
export class UsageError extends SaliencyError {
  override name = 'UsageError';
  constructor(message: string) {
    super('usage', message);
  }
}

/** Input that cannot be used: missing or unreadable files, models, images, targets (exit code 3). */
export class BadInputError extends SaliencyError {
  override name = 'BadInputError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

/** The output cannot be written (exit code 4). */
export class OutputError extends SaliencyError {
  override name = 'OutputError';
  constructor(message: string) {
    super('output', message);
  }
}

/** A check reported a failure (exit code 1). */
export class CheckFailedError extends SaliencyError {
  override name = 'CheckFailedError';
  constructor(message: string) {
    super('check', message);
  }
}
