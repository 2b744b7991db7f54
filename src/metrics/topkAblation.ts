/**
 * The baselines article's top-k ablation (Sturmfels, Lundberg & Lee 2020, "Visualizing the
 * impact of feature attribution baselines"): ablate the k most relevant pixels, for k
 * growing to `maxFraction` of the image, by mean imputation (each channel's image mean) or
 * blur, and plot the target's logit as a fraction of the original logit, beside the same
 * curve for a random ranking (the control every such test needs). The score is the area
 * under the relative curve (lower: the map found what the model uses); details hold the
 * control's area, to be compared at equal compute.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { auc } from './curve.js';
import { callOf, controlOption, defaultsOf, definedOnly, outputOption, prepare, rankedCurves, sigmaOption, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { metricTarget, targetValues, type MetricOutput } from './target.js';

export const TOPK_OPTIONS = {
  steps: { kind: 'integer' as const, default: 20, min: 1, description: 'curve points after the start' },
  maxFraction: { kind: 'number' as const, default: 1, min: 0, exclusiveMin: true, max: 1, description: 'largest fraction of pixels ablated' },
  substrate: { kind: 'choice' as const, choices: ['mean', 'blur', 'zero', 'black'] as const, default: 'mean' as string, description: 'mean imputation or blur (the article), or zero / black' },
  sigma: sigmaOption,
  output: outputOption('logit'),
  control: controlOption,
};

export type TopkAblationOptions = Partial<OptionValues<typeof TOPK_OPTIONS>> & MetricCall;

/** Each curve divided by its input's original target value. */
export function relativeCurves(ys: readonly Float64Array[], f0: Float64Array): number[][] {
  return ys.map((y, e) => Array.from(y, (v) => v / f0[e]));
}

export async function topkAblation(model: Model, input: Float32Array, attribution: Float32Array, options: TopkAblationOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(TOPK_OPTIONS), ...definedOnly(options) } as OptionValues<typeof TOPK_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const top = Math.round(o.maxFraction * p.g.positions);
  const steps = [...new Set(Array.from({ length: o.steps + 1 }, (_, s) => Math.round((s * top) / o.steps)))];
  const output = o.output as MetricOutput;
  const r = await rankedCurves(model, input, p, { mode: 'delete', order: 'morf', substrate: o.substrate as 'mean', sigma: o.sigma, output, steps, control: o.control }, options);
  const f0 = await targetValues(model, input, metricTarget(model, options.target, output), p.batch);
  const x = steps.map((k) => k / p.g.positions);
  const y = relativeCurves(r.curve.y, f0);
  const control = r.control && relativeCurves(r.control.y, f0);
  return {
    metric: 'topk-ablation',
    scores: Float64Array.from(y, (c) => auc(c, x) / x[x.length - 1]),
    curves: { xLabel: 'fraction of pixels ablated', yLabel: `${output} / original`, x, y, control },
    details: { substrate: o.substrate, controlScores: control?.map((c) => auc(c, x) / x[x.length - 1]) },
  };
}

export const descriptor = defineMetric({
  name: 'topk-ablation',
  aliases: ['topkablation', 'top-k-ablation'],
  title: 'Top-k ablation',
  family: 'faithfulness',
  summary: "The target's logit as a fraction of the original as the top-k pixels are mean- or blur-imputed, beside a random control (Sturmfels et al. 2020)",
  higherIsBetter: false,
  needs: {},
  options: TOPK_OPTIONS,
  random: (o) => o.control,
  cost: (n, o) => n * (1 + (o.steps + 1) * (o.control ? 2 : 1)),
  run: (model, input, attribution, options, context) => topkAblation(model, input, attribution, { ...options, ...callOf(context) }),
  order: 30,
});
