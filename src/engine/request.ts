/**
 * The checks every engine makes of a `run` request before its own work (one helper for
 * the ONNX, TensorFlow.js and function engines): a whole number of examples, finite
 * values, something asked, a non-empty `wrt`, a seed of one cotangent per example output.
 */
import { countExamples, ModelInputError, sizeOfShape, type RunAsk } from './model.js';

/** Throws on an ill-formed request; returns the number of examples. */
export function checkRequest(batch: Float32Array, inputShape: readonly number[], outputShape: readonly number[], ask: RunAsk, options: { finite?: boolean } = {}): number {
  const n = countExamples(batch, inputShape);
  if (options.finite ?? true) checkFinite(batch, 'the input');
  const g = ask.gradients;
  if (!g) {
    if ((ask.outputs ?? []).length === 0) throw new Error('nothing asked: give outputs and/or gradients');
    return n;
  }
  if (g.wrt.length === 0) throw new Error('gradients.wrt is empty: ask for "input" and/or tap names');
  const outSize = sizeOfShape(outputShape);
  if (g.seed instanceof Float32Array && g.seed.length !== n * outSize) {
    throw new Error(`the seed holds ${g.seed.length} values; expected ${n} x ${outSize} (one cotangent per example output)`);
  }
  return n;
}

/** Throws a ModelInputError naming the first non-finite value of `values` (`what`: 'the input', 'the fill' ...). */
export function checkFinite(values: Float32Array, what: string): void {
  if (allFinite(values)) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ModelInputError(`${what} holds a non-finite value (${values[i]}) at index ${i}; clean NaN/Infinity before explaining`);
  }
}

/**
 * Whether every value is finite: v * 0 is NaN exactly for NaN and +-Infinity, so the sums
 * stay 0 otherwise. Eight independent sums keep the loop from waiting on one chain of
 * additions: half the time of a Number.isFinite test per value (~1.5 ms against ~3 ms for
 * 16 images of 224 x 224 x 3, paid on every model call).
 */
function allFinite(x: Float32Array): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  const whole = x.length - (x.length % 8);
  for (let i = 0; i < whole; i += 8) {
    s0 += x[i] * 0;
    s1 += x[i + 1] * 0;
    s2 += x[i + 2] * 0;
    s3 += x[i + 3] * 0;
    s4 += x[i + 4] * 0;
    s5 += x[i + 5] * 0;
    s6 += x[i + 6] * 0;
    s7 += x[i + 7] * 0;
  }
  for (let i = whole; i < x.length; i++) s0 += x[i] * 0;
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 === 0;
}
