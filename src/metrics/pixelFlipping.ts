/**
 * Pixel flipping (Bach et al. 2015), as Quantus' PixelFlipping: flip `featuresInStep`
 * pixels at a time from most to least relevant (cumulatively, replaced by the substrate)
 * and record the target's probability after each step (no point before the first step).
 * The score is the area under that curve over x in [0, 1] (Quantus' np.trapz with dx=1 is
 * this times the number of steps minus one). Lower is better.
 *
 * Quantus' default 'black' is the minimum of each image, not black; here 'black' is the
 * pixel value 0 through the preprocessing, and 'zero' is 0 in the model's space.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { auc } from './curve.js';
import { callOf, controlOption, defaultsOf, definedOnly, outputOption, prepare, rankedCurves, sigmaOption, substrateOption, toArrays, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import type { SubstrateName } from './substrate.js';
import type { MetricOutput } from './target.js';

export const PIXEL_FLIPPING_OPTIONS = {
  featuresInStep: { kind: 'integer' as const, default: 1, min: 1, description: 'pixels flipped per step' },
  substrate: substrateOption('black'),
  sigma: sigmaOption,
  output: outputOption('probability'),
  control: { ...controlOption, default: false },
};

export type PixelFlippingOptions = Partial<OptionValues<typeof PIXEL_FLIPPING_OPTIONS>> & MetricCall;

export async function pixelFlipping(model: Model, input: Float32Array, attribution: Float32Array, options: PixelFlippingOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(PIXEL_FLIPPING_OPTIONS), ...definedOnly(options) } as OptionValues<typeof PIXEL_FLIPPING_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const P = p.g.positions;
  const steps = Array.from({ length: Math.ceil(P / o.featuresInStep) }, (_, j) => Math.min(P, (j + 1) * o.featuresInStep));
  const r = await rankedCurves(
    model, input, p,
    { mode: 'delete', order: 'morf', substrate: o.substrate as SubstrateName, sigma: o.sigma, output: o.output as MetricOutput, steps, control: o.control },
    options,
  );
  return {
    metric: 'pixel-flipping',
    scores: Float64Array.from(r.curve.y, (y) => auc(y)),
    curves: { xLabel: 'pixels flipped', yLabel: `${o.output} of the target`, x: steps, y: toArrays(r.curve.y), control: r.control && toArrays(r.control.y) },
  };
}

export const descriptor = defineMetric({
  name: 'pixel-flipping',
  aliases: ['pixelflipping'],
  title: 'Pixel flipping',
  family: 'faithfulness',
  summary: "The target's probability as pixels are flipped to the substrate from most to least relevant; area under it (Bach et al. 2015)",
  higherIsBetter: false,
  needs: {},
  options: PIXEL_FLIPPING_OPTIONS,
  random: (o) => o.control || o.substrate === 'road',
  cost: (n, o, shape) => n * Math.ceil(shape.slice(-2).reduce((a, b) => a * b, 1) / o.featuresInStep) * (o.control ? 2 : 1),
  run: (model, input, attribution, options, context) => pixelFlipping(model, input, attribution, { ...options, ...callOf(context) }),
  order: 20,
});
