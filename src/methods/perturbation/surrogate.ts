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

/**
 * Fit the surrogate of every input; returns each input's fit. All coalitions are drawn
 * first (the same draws, in the same order, as one at a time); a coalition drawn twice for
 * an input is evaluated once (the same perturbed input gives the same output and weight),
 * which spares KernelSHAP the repeats its kernel makes likely (coalitions of 1 and of
 * M - 1 features: ~4% of 200 draws over 50 features).
 */
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
  const firstOf = Array.from({ length: n }, () => new Int32Array(S)); // the sample whose evaluation sample s shares
  const unique: number[] = []; // points e * S + s evaluated
  for (let e = 0; e < n; e++) {
    const k = features(e).count;
    const rng = rngFor(plan.seed, e, 2);
    const seen = new Map<string, number>();
    for (let s = 0; s < S; s++) {
      const z = plan.coalition(s, k, rng);
      if (z.length !== k) throw new Error(`a coalition holds ${z.length} values; the mask has ${k} features`);
      designs[e].set(z, s * k);
      const key = z.join('');
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, s);
        unique.push(e * S + s);
      }
      firstOf[e][s] = first ?? s;
    }
  }
  await forwardStream(
    runner,
    unique.length,
    (u) => Math.floor(unique[u] / S),
    (u, dest) => {
      const e = Math.floor(unique[u] / S);
      const s = unique[u] % S;
      const f = features(e);
      const z = designs[e].subarray(s * f.count, (s + 1) * f.count);
      const x = input.subarray(e * per, (e + 1) * per);
      applyCoalition(dest, x, baselines.subarray(e * per, (e + 1) * per), z, f);
      weights[e][s] = plan.weight(z, dest, x);
    },
    (start, m, values) => {
      for (let i = 0; i < m; i++) outputs[Math.floor(unique[start + i] / S)][unique[start + i] % S] = Math.fround(values[i]);
    },
  );
  for (let e = 0; e < n; e++)
    for (let s = 0; s < S; s++) {
      const first = firstOf[e][s];
      if (first === s) continue;
      outputs[e][s] = outputs[e][first];
      weights[e][s] = weights[e][first];
    }
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
