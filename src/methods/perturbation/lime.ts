/**
 * LIME (Ribeiro et al. 2016), as Captum's Lime: coalitions where each feature is present
 * with probability 1/2, each sample weighted by an exponential kernel of its distance to
 * the input, exp(-d^2 / (2 width^2)) with d the cosine distance between the flattened input
 * and the perturbed input (Captum's default similarity), and a weighted linear model fitted
 * to the outputs; its coefficients are the attributions. Captum fits a Lasso (alpha 0.01)
 * by default; this fits weighted least squares (scikit-learn's LinearRegression, or Ridge
 * with `ridge` > 0), which has a closed form. `distance: 'none'` gives every sample weight
 * 1 (the identity kernel): on a linear model the fit then recovers its weights exactly.
 */
import type { Model } from '../../engine/model.js';
import { describeBaseline, type Baseline } from '../../baselines/baseline.js';
import type { Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { startFeatureRun, featureRunOptions, segmentsOption, type FeaturesOption } from './features.js';
import { fitSurrogates, spread } from './surrogate.js';

export type LimeDistance = 'cosine' | 'euclidean' | 'none';

export interface LimeOptions extends CommonOptions {
  features?: FeaturesOption;
  /** Absent features take the baseline's values. Default 0 (Captum's default). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Perturbed samples per input. Default 1000. */
  samples?: number;
  /** Distance in the kernel. Default 'cosine' (Captum's); 'none': every weight 1. */
  distance?: LimeDistance;
  /** Kernel width. Default 1 (Captum's). */
  kernelWidth?: number;
  /** L2 penalty on the coefficients. Default 0 (least squares). */
  ridge?: number;
  seed?: number;
  /** Fixed coalitions (0/1 per feature), used for every input instead of sampling. */
  coalitions?: readonly (readonly number[])[];
}

export const limeDefaults = { samples: 1000, distance: 'cosine' as LimeDistance, kernelWidth: 1, ridge: 0 };

/** Captum's exponential kernel on the distance between the original and the perturbed input (float32 sums as torch). */
export function limeWeight(distance: LimeDistance, width: number, original: Float32Array, perturbed: Float32Array): number {
  if (distance === 'none') return 1;
  let d: number;
  if (distance === 'cosine') {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let j = 0; j < original.length; j++) {
      dot += original[j] * perturbed[j];
      a += original[j] * original[j];
      b += perturbed[j] * perturbed[j];
    }
    d = 1 - dot / Math.max(Math.sqrt(a) * Math.sqrt(b), 1e-8);
  } else {
    let s = 0;
    for (let j = 0; j < original.length; j++) s += (original[j] - perturbed[j]) ** 2;
    d = Math.sqrt(s);
  }
  return Math.exp((-d * d) / (2 * width * width));
}

export async function lime(model: Model, input: Float32Array, options: LimeOptions = {}): Promise<Attribution> {
  const { n, runner, target, features, seed, baselineSpec, baselines } = await startFeatureRun(model, input, options);
  const fixed = options.coalitions;
  const samples = fixed?.length ?? options.samples ?? limeDefaults.samples;
  if (!(Number.isInteger(samples) && samples >= 2)) throw new Error(`LIME needs at least 2 samples, got ${samples}`);
  const distance = options.distance ?? limeDefaults.distance;
  const width = options.kernelWidth ?? limeDefaults.kernelWidth;
  if (!(width > 0)) throw new Error(`kernelWidth must be > 0, got ${width}`);
  const fits = await fitSurrogates(runner, input, baselines, features.of, {
    samples,
    seed,
    ridge: options.ridge ?? limeDefaults.ridge,
    coalition: (s, m, rng) => (fixed ? Uint8Array.from(fixed[s]) : Uint8Array.from({ length: m }, () => (rng.float() < 0.5 ? 1 : 0))),
    weight: (_z, perturbed, original) => limeWeight(distance, width, original, perturbed),
  });
  return {
    values: spread(fits, features.of, runner.per),
    shape: [n, ...model.inputShape],
    method: 'lime',
    params: {
      features: features.describe,
      samples,
      distance,
      kernelWidth: width,
      ridge: options.ridge ?? limeDefaults.ridge,
      baseline: describeBaseline(baselineSpec),
      seed,
      fixedCoalitions: fixed !== undefined,
      batchSize: runner.batch,
    },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'lime',
  aliases: [],
  title: 'LIME',
  family: 'perturbation',
  summary: 'Coefficients of a locally weighted linear model fitted to random coalitions of features (Ribeiro et al. 2016; Captum Lime)',
  needs: { gradients: false, baseline: true },
  options: {
    samples: { kind: 'integer', default: limeDefaults.samples, min: 2, description: 'perturbed samples per input' },
    segments: segmentsOption,
    distance: { kind: 'choice', choices: ['cosine', 'euclidean', 'none'], default: limeDefaults.distance, description: "distance in the exponential kernel ('none': all weights 1)" },
    kernelWidth: { kind: 'number', default: limeDefaults.kernelWidth, min: 0, exclusiveMin: true, description: 'width of the exponential kernel' },
    ridge: { kind: 'number', default: limeDefaults.ridge, min: 0, description: 'L2 penalty of the linear fit (0: least squares)' },
  },
  random: true,
  cost: (n, o) => n * o.samples,
  run: (model, input, o, c) =>
    lime(model, input, {
      samples: o.samples,
      distance: o.distance as LimeDistance,
      kernelWidth: o.kernelWidth,
      ridge: o.ridge,
      ...featureRunOptions(model, o.segments, c),
    }),
  order: 60,
});
