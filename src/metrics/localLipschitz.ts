/**
 * Local Lipschitz estimate (Alvarez-Melis & Jaakkola 2018), as Quantus LocalLipschitzEstimate:
 * max over samples of ||e(x) - e(x')||_2 / (||x - x'||_2 + 1e-10), x' = x + N(0, radius^2)
 * (Quantus: 200 samples, sd 0.1; here 10 by default). Lower is better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { SensitivityOptions } from './maxSensitivity.js';
import { diffNorm, nanMax, stabilityOptions, stabilitySamples, type SampleView, type StabilityOptions } from './stability.js';

export const LOCAL_LIPSCHITZ_OPTIONS = stabilityOptions(10, 'gaussian', 0.1, false);

/** The measure of one perturbed sample. */
export function localLipschitzSample(v: SampleView): number {
  return diffNorm(v.ex, v.exp) / (diffNorm(v.x, v.xp) + 1e-10);
}

export async function localLipschitz(model: Model, input: Float32Array, attribution: Float32Array, options: SensitivityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(LOCAL_LIPSCHITZ_OPTIONS), ...definedOnly(options) } as StabilityOptions;
  const samples = await stabilitySamples(model, input, attribution, o, localLipschitzSample);
  return { metric: 'local-lipschitz', scores: Float64Array.from(samples, nanMax) };
}

export const descriptor = defineMetric({
  name: 'local-lipschitz',
  aliases: ['locallipschitz', 'lipschitz'],
  title: 'Local Lipschitz estimate',
  family: 'robustness',
  summary: 'Largest ratio of explanation change to input change under Gaussian input noise (Alvarez-Melis & Jaakkola 2018)',
  higherIsBetter: false,
  needs: { explain: true },
  options: LOCAL_LIPSCHITZ_OPTIONS,
  random: true,
  cost: (n, o) => n * o.samples * 2,
  run: (model, input, attribution, options, context) =>
    localLipschitz(model, input, attribution, { ...(options as OptionValues<typeof LOCAL_LIPSCHITZ_OPTIONS>), noise: options.noise as 'uniform', ...callOf(context), explain: context.explain }),
  order: 12,
});
