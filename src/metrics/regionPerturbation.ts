/**
 * Region perturbation and AOPC (Samek et al. 2017), as Quantus' RegionPerturbation: the
 * image is cut into non-overlapping square patches (aligned as Quantus pads them), patches
 * are ranked by their summed relevance (MoRF: most relevant first; LeRF: least), and
 * `regions` of them are replaced by the substrate one after another. The curve is
 * f(x) - f(x_k) for k = 1..regions; the score is AOPC = (1/(L+1)) sum_{k=0..L} (f(x) - f(x_k)),
 * the k = 0 term being 0. MoRF: higher is better; LeRF: lower is better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, controlOption, defaultsOf, definedOnly, outputOption, prepare, rankedCurves, sigmaOption, substrateOption, toArrays, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { maskUnits, patchMask, type Order } from './features.js';
import type { SubstrateName } from './substrate.js';
import { metricTarget, targetValues, type MetricOutput } from './target.js';

export const REGION_OPTIONS = {
  patchSize: { kind: 'integer' as const, default: 8, min: 1, description: 'side of the square regions, in pixels' },
  regions: { kind: 'integer' as const, default: 100, min: 1, description: 'regions perturbed (at most all of them)' },
  order: { kind: 'choice' as const, choices: ['morf', 'lerf', 'random'] as const, default: 'morf' as string, description: 'most relevant first, least relevant first, or random' },
  substrate: substrateOption('black'),
  sigma: sigmaOption,
  output: outputOption('probability'),
  control: controlOption,
};

export type RegionPerturbationOptions = Partial<OptionValues<typeof REGION_OPTIONS>> & MetricCall;

/** AOPC of a curve of drops f(x) - f(x_k), k = 1..L (the k = 0 term is 0). */
export function aopcOf(drops: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < drops.length; i++) s += drops[i];
  return s / (drops.length + 1);
}

export async function regionPerturbation(model: Model, input: Float32Array, attribution: Float32Array, options: RegionPerturbationOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(REGION_OPTIONS), ...definedOnly(options) } as OptionValues<typeof REGION_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const [h, w] = p.g.hw;
  const units = maskUnits(patchMask(h, w, o.patchSize), p.g.positions);
  const L = Math.min(o.regions, units.count);
  const steps = Array.from({ length: L }, (_, j) => j + 1);
  const r = await rankedCurves(
    model, input, p,
    { mode: 'delete', order: o.order as Order, substrate: o.substrate as SubstrateName, sigma: o.sigma, output: o.output as MetricOutput, steps, units, control: o.control },
    options,
  );
  const f0 = await targetValues(model, input, metricTarget(model, options.target, o.output as MetricOutput), p.batch);
  const drops = (ys: Float64Array[]) => ys.map((y, e) => Float64Array.from(y, (v) => f0[e] - v));
  const curve = drops(r.curve.y);
  const control = r.control && drops(r.control.y);
  return {
    metric: 'aopc',
    scores: Float64Array.from(curve, aopcOf),
    curves: { xLabel: 'regions perturbed', yLabel: `drop of the target's ${o.output}`, x: steps, y: toArrays(curve), control: control && toArrays(control) },
    details: { order: o.order, regions: L, controlScores: control?.map(aopcOf) },
  };
}

export const descriptor = defineMetric({
  name: 'aopc',
  aliases: ['region-perturbation', 'regionperturbation'],
  title: 'Region perturbation (AOPC)',
  family: 'faithfulness',
  summary: 'Area over the perturbation curve as square regions are replaced from most (MoRF) or least (LeRF) relevant (Samek et al. 2017)',
  higherIsBetter: true,
  needs: {},
  options: REGION_OPTIONS,
  random: (o) => o.control || o.order === 'random' || o.substrate === 'road',
  cost: (n, o) => n * (o.regions * (o.control ? 2 : 1) + 1),
  run: (model, input, attribution, options, context) => regionPerturbation(model, input, attribution, { ...options, ...callOf(context) }),
  order: 21,
});
