/**
 * IROF, Iterative Removal Of Features (Rieger & Hansen 2020), as Quantus' IROF: segments
 * (superpixels: a FeatureMask per input or one for all; default a grid of `patchSize`
 * squares) are ranked by their mean relevance and replaced by the substrate one after
 * another; the curve is f(x_k) / f(x) for k = 1..N (the target's probability). The score is
 * the area over that curve on x in [0, 1], 1 - AUC: higher is better. Quantus reports
 * N - trapz(curve, dx=1) = N - (N-1) AUC, which grows with the number of segments.
 *
 * Quantus' 'mean' substrate is the mean of the whole batch as perturbed so far (it changes
 * with the other images and with every step); here 'mean' is each image's own per-channel
 * mean, fixed.
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import type { FeatureMask } from '../masks/featureMask.js';
import type { OptionValues } from '../methods/descriptor.js';
import { auc } from './curve.js';
import { callOf, defaultsOf, definedOnly, mapOf, outputOption, prepare, rankedCurves, sigmaOption, substrateOption, type MetricCall, type Prepared } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { maskUnits, patchMask } from './features.js';
import type { SubstrateName } from './substrate.js';
import { metricTarget, targetValues, type MetricOutput } from './target.js';
import type { Target } from '../engine/model.js';

export const IROF_OPTIONS = {
  patchSize: { kind: 'integer' as const, default: 8, min: 1, description: 'side of the grid cells used when no segments are given' },
  substrate: substrateOption('mean'),
  sigma: sigmaOption,
  output: outputOption('probability'),
};

export type IrofOptions = Partial<OptionValues<typeof IROF_OPTIONS>> & MetricCall & {
  /** Segments: one FeatureMask for every input, or one per input. */
  segments?: FeatureMask | readonly FeatureMask[];
};

/** The same target, read for input `offset + i` when the curve engine asks for input i. */
function shifted(t: Target, offset: number): Target {
  return { ...t, value: (out, i) => t.value(out, i + offset), cotangent: (out, i) => t.cotangent(out, i + offset) };
}

export async function irof(model: Model, input: Float32Array, attribution: Float32Array, options: IrofOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(IROF_OPTIONS), ...definedOnly(options) } as OptionValues<typeof IROF_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const per = sizeOfShape(model.inputShape);
  const target = metricTarget(model, options.target, o.output as MetricOutput);
  const f0 = await targetValues(model, input, target, p.batch);
  const maskFor = (e: number): FeatureMask => {
    const s = options.segments;
    if (!s) return patchMask(p.g.hw[0], p.g.hw[1], o.patchSize);
    if ('labels' in s) return s as FeatureMask;
    const list = s as readonly FeatureMask[];
    if (list.length !== p.n) throw new Error(`${list.length} segment masks given for ${p.n} inputs`);
    return list[e];
  };
  const scores = new Float64Array(p.n);
  const ys: number[][] = [];
  for (let e = 0; e < p.n; e++) {
    const units = maskUnits(maskFor(e), p.g.positions);
    const one: Prepared = { ...p, n: 1, maps: mapOf(p, e) };
    const steps = Array.from({ length: units.count }, (_, j) => j + 1);
    const r = await rankedCurves(
      model, input.subarray(e * per, (e + 1) * per), one,
      { mode: 'delete', order: 'morf', substrate: o.substrate as SubstrateName, sigma: o.sigma, output: o.output as MetricOutput, steps, units, unitReduce: 'mean', control: false },
      { ...options, target: shifted(target, e), seed: (options.seed ?? 0) + e },
    );
    const y = Array.from(r.curve.y[0], (v) => v / f0[e]);
    ys.push(y);
    scores[e] = 1 - auc(y);
  }
  return {
    metric: 'irof',
    scores,
    curves: { xLabel: 'segments removed', yLabel: `${o.output} / original`, x: ys[0]?.map((_, j) => j + 1) ?? [], y: ys },
  };
}

export const descriptor = defineMetric({
  name: 'irof',
  aliases: ['iterative-removal-of-features'],
  title: 'IROF',
  family: 'faithfulness',
  summary: "Area over the curve of the target's relative probability as segments are removed by mean relevance (Rieger & Hansen 2020)",
  higherIsBetter: true,
  needs: {},
  options: IROF_OPTIONS,
  random: false,
  cost: (n, o, shape) => n * (1 + Math.ceil(shape[shape.length - 1] / o.patchSize) * Math.ceil(shape[shape.length - 2] / o.patchSize)),
  run: (model, input, attribution, options, context) => irof(model, input, attribution, { ...options, ...callOf(context) }),
  order: 23,
});
