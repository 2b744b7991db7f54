/**
 * ROAD, RemOve And Debias (Rong et al. 2022), as Quantus' ROAD: remove p % of the pixels
 * (MoRF: most relevant first; LeRF: least relevant first) for p = 1, 3, ..., 99 and fill
 * them by noisy linear imputation (imputation.ts), which leaks no information about the
 * shape of the removed set; then read whether the model still predicts the explained
 * class (accuracy, Quantus' output) or the class's probability. The score is the mean over
 * the percentages: MoRF lower is better, LeRF higher is better.
 *
 * Quantus ranks the attribution broadcast over channels (features = elements, so on a
 * colour image its pixel indices run past the imputation's per-channel arrays); here
 * features are pixels (the channel sum) and all channels of a removed pixel are imputed.
 */
import type { Model, Target } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, controlOption, defaultsOf, definedOnly, prepare, rankedCurves, toArrays, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { Order } from './features.js';
import { targetClasses, type MetricOutput } from './target.js';

export const ROAD_OPTIONS = {
  order: { kind: 'choice' as const, choices: ['morf', 'lerf'] as const, default: 'morf' as string, description: 'remove the most (morf) or least (lerf) relevant pixels first' },
  percentStep: { kind: 'number' as const, default: 2, min: 0, exclusiveMin: true, description: 'percentages removed: 1, 1+step, ... below 100' },
  noise: { kind: 'number' as const, default: 0.01, min: 0, description: 'standard deviation of the imputation noise (model-space units)' },
  output: { kind: 'choice' as const, choices: ['accuracy', 'probability', 'logit'] as const, default: 'accuracy' as string, description: 'whether the class is still predicted, or its probability / logit' },
  control: { ...controlOption, default: false },
};

export type RoadOptions = Partial<OptionValues<typeof ROAD_OPTIONS>> & MetricCall;

/** 1 when the explained class is still the top class, else 0. */
function accuracyTarget(classes: readonly number[]): Target {
  return {
    label: 'predicted class unchanged',
    dependsOnOutput: true,
    value: (out, i) => {
      let best = 0;
      for (let k = 1; k < out.length; k++) if (out[k] > out[best]) best = k;
      return best === classes[i] ? 1 : 0;
    },
    cotangent: () => {
      throw new Error('the accuracy target has no gradient');
    },
  };
}

export function roadPercentages(step: number): number[] {
  const out: number[] = [];
  for (let p = 1; p < 100; p += step) out.push(p);
  return out;
}

export async function road(model: Model, input: Float32Array, attribution: Float32Array, options: RoadOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(ROAD_OPTIONS), ...definedOnly(options) } as OptionValues<typeof ROAD_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const percentages = roadPercentages(o.percentStep);
  const steps = percentages.map((pct) => Math.floor((p.g.positions * pct) / 100));
  let call = options;
  let output: MetricOutput = o.output === 'logit' ? 'logit' : 'probability';
  if (o.output === 'accuracy') {
    const classes = targetClasses(options.target, p.n);
    if (!classes) throw new Error("ROAD's accuracy output needs target classes (numbers), not a custom Target: pass output 'probability'");
    call = { ...options, target: accuracyTarget(classes) };
    output = 'logit';
  }
  const r = await rankedCurves(model, input, p, { mode: 'delete', order: o.order as Order, substrate: 'road', noise: o.noise, output, steps, control: o.control }, call);
  const mean = (y: Float64Array) => y.reduce((a, b) => a + b, 0) / y.length;
  return {
    metric: 'road',
    scores: Float64Array.from(r.curve.y, mean),
    curves: { xLabel: 'percent of pixels removed', yLabel: o.output, x: percentages, y: toArrays(r.curve.y), control: r.control && toArrays(r.control.y) },
    details: { order: o.order, controlScores: r.control?.y.map(mean) },
  };
}

export const descriptor = defineMetric({
  name: 'road',
  aliases: ['remove-and-debias'],
  title: 'ROAD',
  family: 'faithfulness',
  summary: 'Accuracy as the most (MoRF) or least (LeRF) relevant pixels are removed and filled by noisy linear imputation (Rong et al. 2022)',
  higherIsBetter: false,
  needs: {},
  options: ROAD_OPTIONS,
  random: (o) => o.noise > 0 || o.control,
  cost: (n, o) => n * roadPercentages(o.percentStep).length * (o.control ? 2 : 1),
  run: (model, input, attribution, options, context) => road(model, input, attribution, { ...options, ...callOf(context) }),
  order: 22,
});
