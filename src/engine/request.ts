/**
 * The checks every engine makes of a `run` request before its own work (one helper for
 * the ONNX, TensorFlow.js and function engines): a whole number of examples, finite
 * values, something asked, a non-empty `wrt`, a seed of one cotangent per example output.
 */
import { countExamples, ModelInputError, sizeOfShape, type RunAsk } from './model.js';

/** Throws on an ill-formed request; returns the number of examples. */
export function checkRequest(batch: Float32Array, inputShape: readonly number[], outputShape: readonly number[], ask: RunAsk, options: { finite?: boolean } = {}): number {
  const n = countExamples(batch, inputShape);
  if (options.finite ?? true) {
    for (let i = 0; i < batch.length; i++) {
      if (!Number.isFinite(batch[i])) throw new ModelInputError(`the input holds a non-finite value (${batch[i]}) at index ${i}; clean NaN/Infinity before explaining`);
    }
  }
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
