/**
 * Feature ablation, as Captum's FeatureAblation: each feature of a mask (grid cells,
 * superpixels, any FeatureMask) is replaced by the baseline in turn, and the drop of the
 * target, f(x) - f(x with feature k ablated), is the attribution of every element of
 * feature k. On a linear model it is exact: sum over the feature of w * (x - baseline).
 */
import type { ImageBox, Model } from '../../engine/model.js';
import { describeBaseline, type Baseline } from '../../baselines/baseline.js';
import type { InputSpace, Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { canEdit, featureBounds, fillsBox } from './featureEdits.js';
import { startFeatureRun, segmentsCount, featureRunOptions, segmentsOption, type FeatureIndex, type FeaturesOption } from './features.js';
import { forwardStream } from './stream.js';

export interface FeatureAblationOptions extends CommonOptions {
  /** The features: one FeatureMask, one per input, or a function of the input. Default: a grid fitting the input. */
  features?: FeaturesOption;
  /** What an ablated feature becomes. Default 0 (Captum's default). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Seed for random baselines. Default 0. */
  seed?: number;
  /**
   * When every feature is a box over all channels of an image (grid cells) and the model has
   * runPatched: recompute only the layers a box reaches (ONNX engine), the same values to
   * float32 rounding; false: run every ablated input in full. Default true.
   */
  incremental?: boolean;
}

/** Every feature of every example as a box over all channels (grid cells), when the model can run patched images; else undefined. */
function featureBoxes(model: Model, n: number, features: { space: InputSpace; of: (e: number) => FeatureIndex }, incremental?: boolean): ImageBox[][] | undefined {
  if (!canEdit(model, features.space, incremental, 'runPatched')) return undefined;
  const all: ImageBox[][] = [];
  for (let e = 0; e < n; e++) {
    const f = features.of(e);
    const boxes = featureBounds(f, features.space.shape);
    if (!boxes.every((box, k) => fillsBox(f, k, box, features.space.shape[0]))) return undefined;
    all.push(boxes);
  }
  return all;
}

/** Point p of a stream over (input, feature) pairs: its input and its feature. */
export function featurePoints(n: number, of: (e: number) => FeatureIndex) {
  const start = new Int32Array(n + 1);
  for (let e = 0; e < n; e++) start[e + 1] = start[e] + of(e).count;
  const exampleOf = new Int32Array(start[n]);
  for (let e = 0; e < n; e++) exampleOf.fill(e, start[e], start[e + 1]);
  return { total: start[n], exampleOf: (p: number) => exampleOf[p], featureOf: (p: number) => p - start[exampleOf[p]] };
}

export async function featureAblation(model: Model, input: Float32Array, options: FeatureAblationOptions = {}): Promise<Attribution> {
  const { n, runner, target, features, seed, baselineSpec, baselines } = await startFeatureRun(model, input, options);
  const per = runner.per;
  const fx = await runner.values(input, (i) => i);
  const pts = featurePoints(n, features.of);
  const values = new Float32Array(n * per);
  const credit = (e: number, k: number, value: number) => {
    const f = features.of(e);
    const drop = Math.fround(fx[e]) - Math.fround(value);
    for (let q = f.offsets[k]; q < f.offsets[k + 1]; q++) values[e * per + f.order[q]] = drop;
  };
  const boxes = featureBoxes(model, n, features, options.incremental);
  if (boxes) {
    // grid cells: the model computes the ablated outputs itself (Model.runPatched)
    for (let e = 0; e < n; e++) {
      for (let start = 0; start < boxes[e].length; start += runner.patchBatch) {
        const chunk = boxes[e].slice(start, start + runner.patchBatch);
        const out = await runner.patched(input.subarray(e * per, (e + 1) * per), baselines.subarray(e * per, (e + 1) * per), chunk, e);
        for (let i = 0; i < chunk.length; i++) credit(e, start + i, out[i]);
      }
    }
  } else await forwardStream(
    runner,
    pts.total,
    pts.exampleOf,
    (p, dest) => {
      const e = pts.exampleOf(p);
      const f = features.of(e);
      const k = pts.featureOf(p);
      dest.set(input.subarray(e * per, (e + 1) * per));
      for (let q = f.offsets[k]; q < f.offsets[k + 1]; q++) dest[f.order[q]] = baselines[e * per + f.order[q]];
    },
    (start, m, out) => {
      for (let i = 0; i < m; i++) credit(pts.exampleOf(start + i), pts.featureOf(start + i), out[i]);
    },
  );
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'featureAblation',
    params: { features: features.describe, baseline: describeBaseline(baselineSpec), seed, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'featureablation',
  aliases: ['ablation'],
  title: 'Feature ablation',
  family: 'perturbation',
  summary: 'Drop of the target when each feature (grid cell, superpixel) is replaced by the baseline (Captum FeatureAblation)',
  needs: { gradients: false, baseline: true },
  options: {
    segments: segmentsOption,
    incremental: { kind: 'boolean', default: true, description: 'grid cells: recompute only the layers a cell reaches (ONNX image models; same values to float32 rounding); false: run every ablated input in full' },
  },
  random: (_o, c) => c.randomBaseline,
  cost: (n, o, c) => n * (1 + segmentsCount(c.inputShape, o.segments)),
  run: (model, input, o, c) =>
    featureAblation(model, input, { ...featureRunOptions(model, o.segments, c), incremental: o.incremental }),
  order: 20,
});
