/**
 * Relative input stability (Agarwal et al. 2022), as Quantus RelativeInputStability: max over
 * samples whose predicted class is unchanged of ||(e - e') / e|| / ||(x - x') / x|| (zeros
 * in a divisor replaced by 1e-6, a zero denominator by 1e-6). Quantus takes a plain max, so
 * one changed prediction makes its score NaN, and its default noise is uniform in
 * [0.02, 0.2] (one-sided); here changed samples are skipped and the noise is symmetric.
 * Lower is better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { SensitivityOptions } from './maxSensitivity.js';
import { diffNorm, EPS, nanMax, relativeNorm, stabilityOptions, stabilitySamples, type SampleView, type StabilityOptions } from './stability.js';

export const RIS_OPTIONS = stabilityOptions(10, 'uniform', 0.05, true);

/** The measure of one perturbed sample. */
export function relativeInputStabilitySample(v: SampleView): number {
  const d = relativeNorm(v.x, v.xp);
  return relativeNorm(v.ex, v.exp) / (d === 0 ? EPS : d);
}

export async function relativeInputStability(model: Model, input: Float32Array, attribution: Float32Array, options: SensitivityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(RIS_OPTIONS), ...definedOnly(options) } as StabilityOptions;
  const samples = await stabilitySamples(model, input, attribution, o, relativeInputStabilitySample);
  return { metric: 'ris', scores: Float64Array.from(samples, nanMax) };
}

export const descriptor = defineMetric({
  name: 'ris',
  aliases: ['relative-input-stability'],
  title: 'Relative input stability',
  family: 'robustness',
  summary: 'Largest relative change of the explanation over the relative change of the input (Agarwal et al. 2022)',
  higherIsBetter: false,
  needs: { explain: true },
  options: RIS_OPTIONS,
  random: true,
  cost: (n, o) => n * o.samples * 2,
  run: (model, input, attribution, options, context) =>
    relativeInputStability(model, input, attribution, { ...(options as OptionValues<typeof RIS_OPTIONS>), noise: options.noise as 'uniform', ...callOf(context), explain: context.explain }),
  order: 13,
});
