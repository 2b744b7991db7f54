/**
 * The part KernelSHAP and LIME share (Captum's LimeBase): draw binary coalitions over the
 * features (1: the feature keeps the input's values, 0: it takes the baseline's), evaluate
 * the model on each, weigh each sample, and fit a weighted linear model whose coefficients
 * are the features' attributions. Perturbed inputs are streamed a chunk at a time; only
 * the coalitions (samples x features bits) and the outputs are kept.
 */
import type { Rng } from '../../random.js';
import { rngFor } from '../../random.js';
import type { Runner } from '../runner.js';
import { applyCoalition, type FeatureIndex } from './features.js';
import { weightedLeastSquares, type LinearFit } from './leastSquares.js';
import { forwardStream } from './stream.js';

export interface SurrogatePlan {
  samples: number;
  /** The s-th coalition of an input with k features (draws from that input's rng). */
  coalition(s: number, k: number, rng: Rng): Uint8Array;
  /** Weight of a sample, given its coalition, the perturbed input and the original input. */
  weight(z: Uint8Array, perturbed: Float32Array, original: Float32Array): number;
  ridge: number;
  seed: number;
}

/** Fit the surrogate of every input; returns each input's fit. */
export async function fitSurrogates(
  runner: Runner,
  input: Float32Array,
  baselines: Float32Array,
  features: (e: number) => FeatureIndex,
  plan: SurrogatePlan,
): Promise<LinearFit[]> {
  const per = runner.per;
  const n = input.length / per;
  const S = plan.samples;
  const designs = Array.from({ length: n }, (_, e) => new Uint8Array(S * features(e).count));
  const weights = Array.from({ length: n }, () => new Float64Array(S));
  const outputs = Array.from({ length: n }, () => new Float64Array(S));
  const rngs = new Map<number, Rng>();
  await forwardStream(
    runner,
    n * S,
    (p) => Math.floor(p / S),
    (p, dest) => {
      const e = Math.floor(p / S);
      const s = p % S;
      const f = features(e);
      if (s === 0) rngs.set(e, rngFor(plan.seed, e, 2));
      const z = plan.coalition(s, f.count, rngs.get(e)!);
      if (z.length !== f.count) throw new Error(`a coalition holds ${z.length} values; the mask has ${f.count} features`);
      designs[e].set(z, s * f.count);
      const x = input.subarray(e * per, (e + 1) * per);
      const b = baselines.subarray(e * per, (e + 1) * per);
      applyCoalition(dest, x, b, z, f);
      weights[e][s] = plan.weight(z, dest, x);
    },
    (start, m, values) => {
      for (let i = 0; i < m; i++) outputs[Math.floor((start + i) / S)][(start + i) % S] = Math.fround(values[i]);
    },
  );
  return designs.map((z, e) => weightedLeastSquares(z, outputs[e], weights[e], features(e).count, plan.ridge));
}

/** Spread each input's feature coefficients over the elements of its features. */
export function spread(fits: LinearFit[], features: (e: number) => FeatureIndex, per: number): Float32Array {
  const values = new Float32Array(fits.length * per);
  fits.forEach((fit, e) => {
    const f = features(e);
    for (let j = 0; j < per; j++) values[e * per + j] = fit.coefficients[f.labels[j]];
  });
  return values;
}
