/**
 * Array comparisons shared by the engines' checks, the methods' tests and `saliency verify`.
 */

/** Relative L2 distance |actual - expected| / |expected| (the tolerance unit used against references). */
export function relativeL2(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < actual.length; i++) {
    num += (actual[i] - expected[i]) ** 2;
    den += expected[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** Largest absolute elementwise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Softmax of one example's outputs (taken as logits), in float64, stable (the max is subtracted). */
export function softmax(output: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < output.length; k++) max = Math.max(max, output[k]);
  const p = new Float64Array(output.length);
  let total = 0;
  for (let k = 0; k < output.length; k++) total += p[k] = Math.exp(output[k] - max);
  for (let k = 0; k < output.length; k++) p[k] /= total;
  return p;
}

/** Index of the largest value (the first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
