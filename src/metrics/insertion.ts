/**
 * Insertion (Petsiuk et al. 2018, RISE): start from a blurred copy of the image and put
 * the original pixels back from most to least relevant; the area under the target's
 * probability as a function of the fraction inserted. Higher is better. RISE blurs with an
 * 11x11 Gaussian kernel of sigma 5; here sigma 5 truncated at 1 sigma (radius 5, the same
 * 11 taps) with mirrored borders (RISE pads with zeros).
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, controlOption, defaultsOf, outputOption, sigmaOption, substrateOption } from './common.js';
import { curveAuc, type CurveMetricOptions } from './deletion.js';
import { defineMetric, type MetricResult } from './descriptor.js';

export const INSERTION_OPTIONS = {
  steps: { kind: 'integer', default: 100, min: 1, description: 'curve points after the start (pixels inserted in equal shares)' },
  substrate: substrateOption('blur', 'what the image starts as: blur (default), zero, black, mean'),
  sigma: sigmaOption,
  output: outputOption('probability'),
  control: controlOption,
} as const;

export function insertion(model: Model, input: Float32Array, attribution: Float32Array, options: CurveMetricOptions): Promise<MetricResult> {
  return curveAuc('insertion', 'insert', defaultsOf(INSERTION_OPTIONS) as OptionValues<typeof INSERTION_OPTIONS>, model, input, attribution, options);
}

export const descriptor = defineMetric({
  name: 'insertion',
  aliases: ['insertion-auc'],
  title: 'Insertion AUC',
  family: 'faithfulness',
  summary: "Area under the target's probability as the most relevant pixels are restored into a blurred image (Petsiuk et al. 2018, RISE)",
  higherIsBetter: true,
  needs: {},
  options: INSERTION_OPTIONS,
  random: (o) => o.control,
  cost: (n, o) => n * (o.steps + 1) * (o.control ? 2 : 1),
  run: (model, input, attribution, options, context) => insertion(model, input, attribution, { ...options, ...callOf(context) }),
  order: 11,
});
