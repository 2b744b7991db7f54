/**
 * Scaling attribution maps for display, the baselines article's way (Sturmfels et al. 2020):
 * take the magnitude, cap at the 99th percentile (so a few extreme pixels do not wash the
 * rest out), divide by the cap. Signed maps keep the sign and share one cap for both signs,
 * so zero stays at the centre of a diverging colour scale.
 */

/**
 * The q-th percentile (0..100) of the values, numpy's default ('linear'): the value at
 * rank q/100 * (n - 1) of the sorted values, interpolated between neighbours. NaNs are refused.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new Error(`percentile must be in [0, 100], got ${q}`);
  const n = values.length;
  if (n === 0) throw new Error('percentile of an empty array');
  const sorted = Float64Array.from(values as ArrayLike<number>);
  if (sorted.some((v) => Number.isNaN(v))) throw new Error('percentile: the values contain NaN');
  sorted.sort();
  const rank = (q / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
}

export interface Scaled {
  /** Scaled values: [0, 1] for magnitudes, [-1, 1] for signed maps. */
  values: Float32Array;
  /** The cap the values were divided by (0 when the map is all zeros). */
  cap: number;
}

/** |v| capped at its `q`-th percentile, divided by the cap: values in [0, 1]. A zero map stays zero. */
export function scaleMagnitude(values: ArrayLike<number>, q = 99): Scaled {
  return capMagnitude(values, percentile(Float32Array.from(values, (v) => Math.abs(v)), q));
}

/** |v| capped at a given `cap` and divided by it (a cap shared by several maps: one scale for a figure). */
export function capMagnitude(values: ArrayLike<number>, cap: number): Scaled {
  const abs = Float32Array.from(values, (v) => Math.abs(v));
  if (!(cap > 0)) {
    // all (or 99% of) magnitudes are zero: keep what is non-zero at full strength, the rest at 0
    return { values: abs.map((v) => (v > 0 ? 1 : 0)), cap: 0 };
  }
  return { values: abs.map((v) => Math.min(v, cap) / cap), cap };
}

/** v divided by the `q`-th percentile of |v|, clamped to [-1, 1]: the sign is kept, zero stays zero. */
export function scaleSigned(values: ArrayLike<number>, q = 99): Scaled {
  return capSigned(values, percentile(Float32Array.from(values, (v) => Math.abs(v)), q));
}

/** v divided by a given `cap`, clamped to [-1, 1]. */
export function capSigned(values: ArrayLike<number>, cap: number): Scaled {
  const out = Float32Array.from(values);
  if (!(cap > 0)) return { values: out.map((v) => Math.sign(v)), cap: 0 };
  return { values: out.map((v) => Math.max(-1, Math.min(1, v / cap))), cap };
}
