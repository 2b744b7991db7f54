/**
 * Max-sensitivity (Yeh et al. 2019), Captum's sensitivity_max: the largest relative change
 * of the explanation, max_s ||e(x) - e(x + delta_s)|| / ||e(x)|| (Frobenius norms; a zero
 * ||e(x)|| counts as 1), delta uniform in [-0.02, 0.02] as Captum's default. Lower is better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { diffNorm, nanMax, norm, stabilityOptions, stabilitySamples, type StabilityOptions } from './stability.js';

export const MAX_SENSITIVITY_OPTIONS = stabilityOptions(10, 'uniform', 0.02, false);
export type SensitivityOptions = Partial<StabilityOptions> & Omit<StabilityOptions, 'samples' | 'noise' | 'radius' | 'skipChangedPredictions'>;

export const relativeChange = (ex: Float32Array, exp: Float32Array) => diffNorm(ex, exp) / (norm(ex) || 1);

export async function maxSensitivity(model: Model, input: Float32Array, attribution: Float32Array, options: SensitivityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(MAX_SENSITIVITY_OPTIONS), ...definedOnly(options) } as StabilityOptions;
  const samples = await stabilitySamples(model, input, attribution, o, (v) => relativeChange(v.ex, v.exp));
  return { metric: 'max-sensitivity', scores: Float64Array.from(samples, nanMax) };
}

export const descriptor = defineMetric({
  name: 'max-sensitivity',
  aliases: ['maxsensitivity', 'sensitivity-max'],
  title: 'Max-sensitivity',
  family: 'robustness',
  summary: 'Largest relative change of the explanation under small uniform input noise (Yeh et al. 2019; Captum sensitivity_max)',
  higherIsBetter: false,
  needs: { explain: true },
  options: MAX_SENSITIVITY_OPTIONS,
  random: true,
  cost: (n, o) => n * o.samples * 2,
  run: (model, input, attribution, options, context) =>
    maxSensitivity(model, input, attribution, { ...(options as OptionValues<typeof MAX_SENSITIVITY_OPTIONS>), noise: options.noise as 'uniform', ...callOf(context), explain: context.explain }),
  order: 10,
});
