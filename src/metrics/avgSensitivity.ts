/**
 * Average sensitivity (Yeh et al. 2019), as Quantus AvgSensitivity: the mean over samples of
 * ||e(x) - e(x + delta)|| / ||e(x)||, delta uniform in [-radius, radius] (Quantus draws 200
 * samples at radius 0.2; defaults here follow max-sensitivity: 10 at 0.02). Lower is better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { SensitivityOptions } from './maxSensitivity.js';
import { diffNorm, nanMean, norm, stabilityOptions, stabilitySamples, type SampleView, type StabilityOptions } from './stability.js';

export const AVG_SENSITIVITY_OPTIONS = stabilityOptions(10, 'uniform', 0.02, false);

/** The measure of one perturbed sample. */
export function avgSensitivitySample(v: SampleView): number {
  return diffNorm(v.ex, v.exp) / (norm(v.ex) || 1);
}

export async function avgSensitivity(model: Model, input: Float32Array, attribution: Float32Array, options: SensitivityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(AVG_SENSITIVITY_OPTIONS), ...definedOnly(options) } as StabilityOptions;
  const samples = await stabilitySamples(model, input, attribution, o, avgSensitivitySample);
  return { metric: 'avg-sensitivity', scores: Float64Array.from(samples, nanMean) };
}

export const descriptor = defineMetric({
  name: 'avg-sensitivity',
  aliases: ['avgsensitivity', 'average-sensitivity'],
  title: 'Average sensitivity',
  family: 'robustness',
  summary: 'Mean relative change of the explanation under small uniform input noise (Yeh et al. 2019)',
  higherIsBetter: false,
  needs: { explain: true },
  options: AVG_SENSITIVITY_OPTIONS,
  random: true,
  cost: (n, o) => n * o.samples * 2,
  run: (model, input, attribution, options, context) =>
    avgSensitivity(model, input, attribution, { ...(options as OptionValues<typeof AVG_SENSITIVITY_OPTIONS>), noise: options.noise as 'uniform', ...callOf(context), explain: context.explain }),
  order: 11,
});
