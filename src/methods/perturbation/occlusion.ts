/**
 * Occlusion (Zeiler & Fergus 2014), as Captum's Occlusion: a window slides over the input
 * with a stride (the first window at index 0, shifted until the whole extent is covered, the
 * last one cut off at the border); each window is replaced by the baseline and the drop of
 * the target, f(x) - f(x with the window occluded), is credited to every element of the
 * window; an element's attribution is the average over the windows that cover it.
 * On a linear model it is exact: the sum over the window of w * (x - baseline), averaged.
 *
 * The window spans all channels by default. The fill is any baseline object (default 0 as
 * in Captum: under mean/std normalisation that is the dataset's mean colour, the grey
 * occluder of the paper; `blurBaseline` or `constantBaseline(model, 'black')` also work).
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { describeBaseline, drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { rngFor } from '../../random.js';
import { inputSpace, type InputSpace, type Preprocessing } from '../../engine/space.js';
import { defaultPatch } from '../../masks/grid.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { maskShape } from './features.js';
import { forwardStream } from './stream.js';
import { canEdit } from './featureEdits.js';

export interface OcclusionOptions extends CommonOptions {
  /** Window side in pixels over all channels (a number), or a shape per input dimension. Default: fits the input. */
  window?: number | readonly number[];
  /** Shift in pixels (a number: every dimension), or per input dimension. Default: half the window. */
  stride?: number | readonly number[];
  /** The fill. Default 0 (Captum's default). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Seed for random baselines (one draw per input). Default 0. */
  seed?: number;
  /**
   * Send the windows through the model's runPatched when it has one and the window spans
   * every channel of an image [C, H, W] (the ONNX engine then recomputes only the layers a
   * window reaches: the same values to float32 rounding, faster). false: build every occluded
   * input and run it in full. Default true.
   */
  incremental?: boolean;
}

/** Window and stride shapes over one example's dimensions. */
export function occlusionWindows(space: InputSpace, window?: number | readonly number[], stride?: number | readonly number[]) {
  const shape = space.shape;
  const [h, w] = maskShape(space);
  const side = window === undefined || window === 0 ? defaultPatch(h, w) : window;
  const full = (v: number, channelValue: number) =>
    shape.map((d, k) => {
      const isChannel = (space.layout === 'NCHW' && k === 0) || (space.layout === 'NHWC' && k === shape.length - 1);
      return isChannel ? channelValue : Math.min(v, d);
    });
  const win = typeof side === 'number' ? full(side, space.channels) : [...side];
  const defaultStride = typeof side === 'number' ? Math.max(1, Math.floor(side / 2)) : 1;
  const str = stride === undefined || stride === 0 ? full(defaultStride, 1) : typeof stride === 'number' ? shape.map(() => stride) : [...stride];
  if (win.length !== shape.length || str.length !== shape.length) {
    throw new Error(`occlusion window [${win}] and stride [${str}] need one value per input dimension [${shape.join(', ')}]`);
  }
  const counts = shape.map((d, k) => {
    if (!(win[k] >= 1 && win[k] <= d)) throw new Error(`occlusion window [${win}] does not fit the input [${shape.join(', ')}]`);
    if (!(str[k] >= 1)) throw new Error(`occlusion stride must be >= 1, got [${str}]`);
    if (d > win[k] && str[k] > win[k]) throw new Error(`occlusion stride [${str}] larger than the window [${win}] would skip pixels`);
    return Math.ceil((d - win[k]) / str[k]) + 1;
  });
  const elementStrides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  return { window: win, stride: str, counts, total: counts.reduce((a, b) => a * b, 1), elementStrides };
}

/**
 * The elements of window number `index` as runs of consecutive flat indices along the last
 * dimension: [runs[2r], runs[2r + 1]) for r < the returned count (runs is reused).
 */
function windowRuns(shape: readonly number[], g: ReturnType<typeof occlusionWindows>, index: number, runs: Int32Array): number {
  const nd = shape.length;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let k = nd - 1; k >= 0; k--) {
    lo[k] = (index % g.counts[k]) * g.stride[k];
    hi[k] = Math.min(lo[k] + g.window[k], shape[k]);
    index = Math.floor(index / g.counts[k]);
  }
  let count = 0;
  const visit = (k: number, base: number): void => {
    if (k === nd - 1) {
      runs[2 * count] = base + lo[k];
      runs[2 * count++ + 1] = base + hi[k];
      return;
    }
    for (let x = lo[k]; x < hi[k]; x++) visit(k + 1, base + x * g.elementStrides[k]);
  };
  visit(0, 0);
  return count;
}

export async function occlusion(model: Model, input: Float32Array, options: OcclusionOptions = {}): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const space = inputSpace(model, options.preprocessing);
  const g = occlusionWindows(space, options.window, options.stride);
  const seed = options.seed ?? 0;
  const baselineSpec = options.baseline ?? 0;
  const baselines = drawBaselines(baselineSpec, input, per, (e) => rngFor(seed, e));
  const fx = await runner.values(input, (i) => i);

  const runs = new Int32Array(2 * g.window.slice(0, -1).reduce((a, b) => a * b, 1));
  const covered = new Float64Array(per);
  for (let w = 0; w < g.total; w++) {
    const count = windowRuns(space.shape, g, w, runs);
    for (let r = 0; r < count; r++) for (let j = runs[2 * r]; j < runs[2 * r + 1]; j++) covered[j]++;
  }
  const acc = new Float64Array(n * per);
  /** Credit the drop of window w of example e to its elements. */
  const credit = (e: number, w: number, value: number) => {
    const drop = Math.fround(fx[e]) - Math.fround(value); // float32 outputs, as Captum subtracts them
    const count = windowRuns(space.shape, g, w, runs);
    for (let r = 0; r < count; r++) for (let j = runs[2 * r]; j < runs[2 * r + 1]; j++) acc[e * per + j] += drop;
  };
  const [channels, height, width] = space.shape;
  if (canEdit(model, space, options.incremental, 'runPatched') && g.window[0] === channels) {
    // every window is a box over all channels: the model computes the occluded outputs itself
    for (let e = 0; e < n; e++) {
      const base = input.subarray(e * per, (e + 1) * per);
      const fill = baselines.subarray(e * per, (e + 1) * per);
      for (let start = 0; start < g.total; start += runner.patchBatch) {
        const boxes = [];
        for (let w = start; w < Math.min(g.total, start + runner.patchBatch); w++) {
          const y = Math.floor(w / g.counts[2]) * g.stride[1];
          const x = (w % g.counts[2]) * g.stride[2];
          boxes.push({ y, x, h: Math.min(g.window[1], height - y), w: Math.min(g.window[2], width - x) });
        }
        const values = await runner.patched(base, fill, boxes, e);
        for (let i = 0; i < boxes.length; i++) credit(e, start + i, values[i]);
      }
    }
  } else {
    await forwardStream(
      runner,
      n * g.total,
      (p) => Math.floor(p / g.total),
      (p, dest) => {
        const e = Math.floor(p / g.total);
        const o = e * per;
        // dest still holds point p - batch (stream.ts): restore that window only, not the whole input
        const before = p - runner.batch;
        if (before >= 0 && Math.floor(before / g.total) === e) {
          const count = windowRuns(space.shape, g, before % g.total, runs);
          for (let r = 0; r < count; r++) for (let j = runs[2 * r]; j < runs[2 * r + 1]; j++) dest[j] = input[o + j];
        } else dest.set(input.subarray(o, o + per));
        const count = windowRuns(space.shape, g, p % g.total, runs);
        for (let r = 0; r < count; r++) for (let j = runs[2 * r]; j < runs[2 * r + 1]; j++) dest[j] = baselines[o + j];
      },
      (start, m, values) => {
        for (let i = 0; i < m; i++) credit(Math.floor((start + i) / g.total), (start + i) % g.total, values[i]);
      },
    );
  }
  const values = new Float32Array(n * per);
  for (let i = 0; i < values.length; i++) values[i] = acc[i] / covered[i % per];
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'occlusion',
    params: { window: g.window, stride: g.stride, windows: g.total, baseline: describeBaseline(baselineSpec), seed, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'occlusion',
  aliases: ['occ', 'slidingwindow'],
  title: 'Occlusion',
  family: 'perturbation',
  summary: 'Drop of the target when a sliding window is replaced by the baseline, averaged over the windows covering each pixel (Zeiler & Fergus 2014; Captum)',
  needs: { gradients: false, baseline: true },
  options: {
    window: { kind: 'integer', default: 0, min: 0, auto: true, description: "window side in pixels, all channels (0 or 'auto': fits the input, 16 at 224, 4 at 28)" },
    stride: { kind: 'integer', default: 0, min: 0, auto: true, description: "shift in pixels (0 or 'auto': half the window)" },
    incremental: { kind: 'boolean', default: true, description: 'recompute only the layers a window reaches (ONNX image models; same values to float32 rounding); false: run every occluded input in full' },
  },
  random: (_o, c) => c.randomBaseline,
  cost: (n, o, c) => {
    const auto = (v: number | 'auto') => (v === 'auto' ? 0 : v);
    return n * (1 + occlusionWindows(inputSpace(c.inputShape), auto(o.window), auto(o.stride)).total);
  },
  run: (model, input, o, c) =>
    occlusion(model, input, {
      window: o.window === 'auto' ? undefined : o.window,
      stride: o.stride === 'auto' ? undefined : o.stride,
      target: c.target,
      baseline: c.baseline,
      preprocessing: c.preprocessing,
      seed: c.seed,
      batchSize: c.batchSize,
      incremental: o.incremental,
    }),
  order: 10,
});
