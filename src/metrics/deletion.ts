/**
 * Deletion (Petsiuk et al. 2018, RISE): remove pixels from most to least relevant,
 * replacing them with a substrate (zero by default, as RISE), and take the area under the
 * target's probability as a function of the fraction removed. A faithful map makes it
 * drop fast: lower is better. A random-ranking control curve is drawn beside it.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { auc, evenSteps } from './curve.js';
import { callOf, controlOption, defaultsOf, definedOnly, outputOption, prepare, rankedCurves, sigmaOption, substrateOption, toArrays, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { SubstrateName } from './substrate.js';
import type { MetricOutput } from './target.js';

export const DELETION_OPTIONS = {
  steps: { kind: 'integer', default: 100, min: 1, description: 'curve points after the start (pixels removed in equal shares)' },
  substrate: substrateOption('zero'),
  sigma: sigmaOption,
  output: outputOption('probability'),
  control: controlOption,
} as const;

export type CurveMetricOptions = Partial<OptionValues<typeof DELETION_OPTIONS>> & MetricCall;

export async function curveAuc(
  name: string,
  mode: 'delete' | 'insert',
  defaults: OptionValues<typeof DELETION_OPTIONS>,
  model: Model,
  input: Float32Array,
  attribution: Float32Array,
  options: CurveMetricOptions,
): Promise<MetricResult> {
  const o = { ...defaults, ...definedOnly(options) };
  const p = prepare(model, input, attribution, options);
  const steps = evenSteps(p.g.positions, o.steps);
  const r = await rankedCurves(
    model, input, p,
    { mode, order: 'morf', substrate: o.substrate as SubstrateName, sigma: o.sigma, output: o.output as MetricOutput, steps, control: o.control },
    options,
  );
  const x = steps.map((k) => k / p.g.positions);
  return {
    metric: name,
    scores: Float64Array.from(r.curve.y, (y) => auc(y, x)),
    curves: {
      xLabel: mode === 'delete' ? 'fraction of pixels removed' : 'fraction of pixels inserted',
      yLabel: r.curve.y.length ? `${o.output} of the target` : '',
      x,
      y: toArrays(r.curve.y),
      control: r.control && toArrays(r.control.y),
    },
    details: r.control ? { controlScores: r.control.y.map((y) => auc(y, x)) } : undefined,
  };
}

export function deletion(model: Model, input: Float32Array, attribution: Float32Array, options: CurveMetricOptions): Promise<MetricResult> {
  return curveAuc('deletion', 'delete', defaultsOf(DELETION_OPTIONS) as OptionValues<typeof DELETION_OPTIONS>, model, input, attribution, options);
}

export const descriptor = defineMetric({
  name: 'deletion',
  aliases: ['deletion-auc'],
  title: 'Deletion AUC',
  family: 'faithfulness',
  summary: "Area under the target's probability as the most relevant pixels are zeroed (Petsiuk et al. 2018, RISE)",
  higherIsBetter: false,
  needs: {},
  options: DELETION_OPTIONS,
  random: (o) => o.control || o.substrate === 'road',
  cost: (n, o) => n * (o.steps + 1) * (o.control ? 2 : 1),
  run: (model, input, attribution, options, context) => deletion(model, input, attribution, { ...options, ...callOf(context) }),
  order: 10,
});
