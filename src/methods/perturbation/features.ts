/**
 * How a FeatureMask (labels over [height, width]) lands on a model input: every channel
 * at a position belongs to that position's feature, whatever the layout (NCHW, NHWC, or
 * flat inputs, whose mask is [1, d] for a vector and [h, w] for a 2-d example). A mask
 * option is one mask for every input, one per input, or a function making one per input
 * (superpixels of each image); the default is a grid that fits the input (masks/grid.ts).
 */
import { countExamples, type Model } from '../../engine/model.js';
import { drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { rngFor } from '../../random.js';
import type { CommonOptions } from '../attribution.js';
import { Runner } from '../runner.js';
import type { MethodContext } from '../descriptor.js';
import { inputSpace, type InputSpace, type Preprocessing } from '../../engine/space.js';
import { checkFeatureMask, type FeatureMask } from '../../masks/featureMask.js';
import { gridMask } from '../../masks/grid.js';
import { maskShape, positions } from '../../masks/layout.js';
import { parseSegments, segmentCount, segmenter } from '../../masks/segments.js';

export { maskShape, positions };

export type FeaturesOption = FeatureMask | readonly FeatureMask[] | ((example: Float32Array, index: number) => FeatureMask);

/** Features of one example, element by element, with each feature's elements listed. */
export interface FeatureIndex {
  count: number;
  /** Feature of each element of one example. */
  labels: Int32Array;
  /** Elements of feature k: order[offsets[k] .. offsets[k + 1]). */
  offsets: Int32Array;
  order: Int32Array;
  /** Runs of consecutive elements of feature k: [spans[2s], spans[2s + 1]) for s in spanOffsets[k] .. spanOffsets[k + 1]. */
  spans: Int32Array;
  spanOffsets: Int32Array;
}

export function featureIndex(mask: FeatureMask, pos: Int32Array): FeatureIndex {
  checkFeatureMask(mask);
  const labels = new Int32Array(pos.length);
  const offsets = new Int32Array(mask.count + 1);
  for (let i = 0; i < pos.length; i++) {
    labels[i] = mask.labels[pos[i]];
    offsets[labels[i] + 1]++;
  }
  for (let k = 0; k < mask.count; k++) offsets[k + 1] += offsets[k];
  const order = new Int32Array(pos.length);
  const next = offsets.slice(0, mask.count);
  for (let i = 0; i < pos.length; i++) order[next[labels[i]]++] = i;
  // each feature's elements are listed in increasing order: cut them into runs of consecutive indices
  const spanOffsets = new Int32Array(mask.count + 1);
  const runs: number[] = [];
  for (let k = 0; k < mask.count; k++) {
    for (let q = offsets[k]; q < offsets[k + 1]; q++) {
      if (q === offsets[k] || order[q] !== order[q - 1] + 1) runs.push(order[q], order[q] + 1);
      else runs[runs.length - 1]++;
    }
    spanOffsets[k + 1] = runs.length / 2;
  }
  return { count: mask.count, labels, offsets, order, spans: Int32Array.from(runs), spanOffsets };
}

/**
 * dest = the input x where coalition z keeps the feature (z[k] = 1), the baseline b elsewhere;
 * copies whole runs of elements. When the features cover every element it starts from the side
 * with more features and copies the other side's (KernelSHAP's kernel draws coalitions of one
 * feature and of all but one most often).
 */
export function applyCoalition(dest: Float32Array, x: Float32Array, b: Float32Array, z: ArrayLike<number>, f: FeatureIndex): void {
  let present = 0;
  for (let k = 0; k < f.count; k++) if (z[k]) present++;
  const fromInput = 2 * present > f.count && f.offsets[f.count] === dest.length;
  dest.set(fromInput ? x : b);
  const other = fromInput ? b : x;
  const { spans, spanOffsets } = f;
  for (let k = 0; k < f.count; k++) {
    if (!z[k] !== fromInput) continue; // already right: kept from the input, or absent from the baseline
    for (let s = spanOffsets[k]; s < spanOffsets[k + 1]; s++) {
      const end = spans[2 * s + 1];
      for (let j = spans[2 * s]; j < end; j++) dest[j] = other[j];
    }
  }
}

/** Feature index of each input example (default: a grid fitting the input). */
export function featuresFor(
  model: Model,
  input: Float32Array,
  features: FeaturesOption | undefined,
  preprocessing?: Preprocessing,
): { space: InputSpace; of: (e: number) => FeatureIndex; describe: string } {
  const space = inputSpace(model, preprocessing);
  const shape = maskShape(space);
  const pos = positions(space);
  const n = input.length / space.size;
  const fit = (m: FeatureMask, e: number) => {
    if (m.shape[0] !== shape[0] || m.shape[1] !== shape[1]) {
      throw new Error(`feature mask of input ${e} covers [${m.shape.join(', ')}] but the input's map is [${shape.join(', ')}]`);
    }
    return featureIndex(m, pos);
  };
  if (features === undefined) {
    const grid = fit(gridMask(shape), 0);
    return { space, of: () => grid, describe: `grid(${grid.count} cells)` };
  }
  if (typeof features === 'function') {
    const cache = new Map<number, FeatureIndex>();
    const of = (e: number) => {
      let f = cache.get(e);
      if (!f) cache.set(e, (f = fit(features(input.subarray(e * space.size, (e + 1) * space.size), e), e)));
      return f;
    };
    return { space, of, describe: 'per-input masks' };
  }
  if (Array.isArray(features)) {
    if (features.length !== n) throw new Error(`${features.length} feature masks given for ${n} inputs (give one, or one per input)`);
    const all = (features as readonly FeatureMask[]).map(fit);
    return { space, of: (e) => all[e], describe: 'per-input masks' };
  }
  const one = fit(features as FeatureMask, 0);
  return { space, of: () => one, describe: `mask(${one.count} features)` };
}

/** The options every feature-perturbing method (ablation, Shapley, LIME, KernelSHAP) shares. */
export interface FeatureRunOptions extends CommonOptions {
  features?: FeaturesOption;
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  seed?: number;
}

/**
 * The common start of a feature-perturbing method: example count, runner, resolved
 * target, feature index, seed, and the baseline (spec, default 0, and drawn values,
 * example e from rngFor(seed, e)).
 */
export async function startFeatureRun(model: Model, input: Float32Array, options: FeatureRunOptions) {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const features = featuresFor(model, input, options.features, options.preprocessing);
  const seed = options.seed ?? 0;
  const baselineSpec = options.baseline ?? 0;
  const baselines = drawBaselines(baselineSpec, input, runner.per, (e) => rngFor(seed, e));
  return { n, runner, target, features, seed, baselineSpec, baselines };
}

/** A descriptor's run context as feature-run options: `segments` features, target, baseline, preprocessing, seed, batch size. */
export function featureRunOptions(model: Model, segments: string, c: MethodContext): FeatureRunOptions {
  return {
    features: segmentFeatures(model, segments, c),
    target: c.target,
    baseline: c.baseline,
    preprocessing: c.preprocessing,
    seed: c.seed,
    batchSize: c.batchSize,
  };
}

/** The `segments` option shared by the mask-based descriptors (masks/segments.ts). */
export const segmentsOption = {
  kind: 'string',
  default: 'grid',
  description: "the features: 'grid' (cells that fit the input: 16 px at 224, 4 px at 28), 'grid:size=N', or superpixels: 'slic:n=50' (SLIC, scikit-image's), 'felzenszwalb:scale=100'",
} as const;

/** The features of a `segments` spec for this model. */
export function segmentFeatures(model: Model, segments: string, context: MethodContext): FeaturesOption {
  return segmenter(parseSegments(segments), inputSpace(model, context.preprocessing));
}

/** Number of features of a `segments` spec, for cost estimates. */
export function segmentsCount(inputShape: readonly number[], segments: string): number {
  return segmentCount(parseSegments(segments), inputSpace(inputShape));
}

/** Throw unless `order` holds each of 0..k-1 exactly once. */
export function checkPermutation(order: readonly number[], k: number, what: string): void {
  const seen = new Uint8Array(k);
  for (const v of order) {
    if (!(Number.isInteger(v) && v >= 0 && v < k) || seen[v]) throw new Error(`${what} [${order.join(', ')}] is not a permutation of 0..${k - 1}`);
    seen[v] = 1;
  }
  if (order.length !== k) throw new Error(`${what} holds ${order.length} values; expected ${k}`);
}
