/**
 * Relative output stability (Agarwal et al. 2022), as Quantus RelativeOutputStability: max
 * over samples whose predicted class is unchanged of ||(e - e') / e|| / ||h(x) - h(x')||, h the
 * logits (zeros in e replaced by 1e-6, a zero denominator by 1e-6). Lower is better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { SensitivityOptions } from './maxSensitivity.js';
import { diffNorm, EPS, nanMax, relativeNorm, stabilityOptions, stabilitySamples, type SampleView, type StabilityOptions } from './stability.js';

export const ROS_OPTIONS = stabilityOptions(10, 'uniform', 0.05, true);

/** The measure of one perturbed sample. */
export function relativeOutputStabilitySample(v: SampleView): number {
  const d = diffNorm(v.logits, v.logitsP);
  return relativeNorm(v.ex, v.exp) / (d === 0 ? EPS : d);
}

export async function relativeOutputStability(model: Model, input: Float32Array, attribution: Float32Array, options: SensitivityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(ROS_OPTIONS), ...definedOnly(options) } as StabilityOptions;
  const samples = await stabilitySamples(model, input, attribution, o, relativeOutputStabilitySample, true);
  return { metric: 'ros', scores: Float64Array.from(samples, nanMax) };
}

export const descriptor = defineMetric({
  name: 'ros',
  aliases: ['relative-output-stability'],
  title: 'Relative output stability',
  family: 'robustness',
  summary: 'Largest relative change of the explanation over the change of the logits (Agarwal et al. 2022)',
  higherIsBetter: false,
  needs: { explain: true },
  options: ROS_OPTIONS,
  random: true,
  cost: (n, o) => n * o.samples * 2,
  run: (model, input, attribution, options, context) =>
    relativeOutputStability(model, input, attribution, { ...(options as OptionValues<typeof ROS_OPTIONS>), noise: options.noise as 'uniform', ...callOf(context), explain: context.explain }),
  order: 14,
});
