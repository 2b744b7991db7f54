/**
 * KernelSHAP (Lundberg & Lee 2017), as Captum's KernelShap: coalitions are sampled with
 * the Shapley kernel folded into the sampling (the number of present features k with
 * probability proportional to (M - 1) / (k (M - k)), then a uniform subset of size k), so
 * every drawn sample has weight 1; the full and the empty coalition come first with
 * weight 1e6, which pins the fit to f(x) - f(baseline) (efficiency). A weighted linear
 * regression (scikit-learn's LinearRegression with sample weights) gives the attributions.
 * A coalition drawn again is not evaluated again (surrogate.ts): the same rows, fewer passes.
 */
import type { Model } from '../../engine/model.js';
import { describeBaseline, type Baseline } from '../../baselines/baseline.js';
import type { Rng } from '../../random.js';
import type { Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { startFeatureRun, featureRunOptions, segmentsCount, segmentsOption, type FeaturesOption } from './features.js';
import { fitSurrogates, spread } from './surrogate.js';

export interface KernelShapOptions extends CommonOptions {
  features?: FeaturesOption;
  /** Absent features take the baseline's values. Default 0 (Captum's default). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Coalitions evaluated per input, the full and the empty one included. Default 1000. */
  samples?: number;
  seed?: number;
  /** Fixed coalitions (0/1 per feature), used for every input instead of sampling. */
  coalitions?: readonly (readonly number[])[];
}

export const kernelShapDefaults = { samples: 1000, infiniteWeight: 1e6 };

/** A coalition with k present features drawn with the Shapley kernel's size distribution. */
export function shapleyKernelCoalition(m: number, rng: Rng): Uint8Array {
  let total = 0;
  for (let k = 1; k < m; k++) total += (m - 1) / (k * (m - k));
  let u = rng.float() * total;
  let k = 1;
  for (; k < m - 1; k++) {
    u -= (m - 1) / (k * (m - k));
    if (u < 0) break;
  }
  const idx = [...Array(m).keys()];
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(m - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const z = new Uint8Array(m);
  for (let i = 0; i < k; i++) z[idx[i]] = 1;
  return z;
}

/**
 * Expected number of distinct coalitions among `samples` (the full and the empty one, then
 * draws of shapleyKernelCoalition over m features): what KernelSHAP evaluates, since a
 * repeated coalition is evaluated once. A size k is drawn with probability p_k, then one of
 * C(m, k) subsets: C(m, k) (1 - (1 - p_k / C(m, k))^draws) distinct ones are expected.
 */
export function expectedKernelShapEvaluations(m: number, samples: number): number {
  const draws = Math.max(0, samples - 2);
  let total = 0;
  for (let k = 1; k < m; k++) total += (m - 1) / (k * (m - k));
  let expected = Math.min(samples, 2);
  let subsets = 1; // C(m, k)
  for (let k = 1; k < m; k++) {
    subsets = (subsets * (m - k + 1)) / k;
    const q = (m - 1) / (k * (m - k)) / total / subsets;
    expected += subsets * -Math.expm1(draws * Math.log1p(-q));
  }
  return Math.min(samples, expected);
}

export async function kernelShap(model: Model, input: Float32Array, options: KernelShapOptions = {}): Promise<Attribution> {
  const { n, runner, target, features, seed, baselineSpec, baselines } = await startFeatureRun(model, input, options);
  const fixed = options.coalitions;
  const samples = fixed?.length ?? options.samples ?? kernelShapDefaults.samples;
  if (!(Number.isInteger(samples) && samples >= 3)) throw new Error(`KernelSHAP needs at least 3 samples, got ${samples}`);
  const fits = await fitSurrogates(runner, input, baselines, features.of, {
    samples,
    seed,
    ridge: 0,
    coalition: (s, m, rng) => (fixed ? Uint8Array.from(fixed[s]) : s < 2 ? new Uint8Array(m).fill(s === 0 ? 1 : 0) : shapleyKernelCoalition(m, rng)),
    weight: (z) => {
      const present = z.reduce((a, b) => a + b, 0);
      return present === 0 || present === z.length ? kernelShapDefaults.infiniteWeight : 1;
    },
  });
  return {
    values: spread(fits, features.of, runner.per),
    shape: [n, ...model.inputShape],
    method: 'kernelShap',
    params: { features: features.describe, samples, baseline: describeBaseline(baselineSpec), seed, fixedCoalitions: fixed !== undefined, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'kernelshap',
  aliases: ['kshap'],
  title: 'KernelSHAP',
  family: 'perturbation',
  summary: 'Shapley values of the features by a weighted linear regression on sampled coalitions (Lundberg & Lee 2017; Captum KernelShap)',
  needs: { gradients: false, baseline: true },
  options: {
    samples: { kind: 'integer', default: kernelShapDefaults.samples, min: 3, description: 'coalitions evaluated per input' },
    segments: segmentsOption,
  },
  random: true,
  cost: (n, o, c) => Math.round(n * expectedKernelShapEvaluations(segmentsCount(c.inputShape, o.segments), o.samples)),
  run: (model, input, o, c) =>
    kernelShap(model, input, {
      samples: o.samples,
      ...featureRunOptions(model, o.segments, c),
    }),
  order: 50,
});
