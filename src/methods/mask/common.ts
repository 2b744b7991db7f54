/**
 * What the mask-optimisation methods share: the image geometry, the default blurred
 * baseline of the reference code, the softmax-probability target, Nesterov steps (the
 * backtracking line search is in lineSearch.ts), and the result (the saliency map 1 - mask, upsampled,
 * with its deletion and insertion AUC from the evaluation's shared curve engine).
 */
import type { Model, Target } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { argmax } from '../../engine/numeric.js';
import type { Preprocessing } from '../../engine/space.js';
import { classProbability } from '../../targets/index.js';
import { blurImage } from '../../baselines/blur.js';
import { drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { rngFor } from '../../random.js';
import { geometry, rankDescending, type Geometry } from '../../metrics/features.js';
import { auc, deletionCurve, evenSteps, insertionCurve } from '../../metrics/curve.js';
import type { Attribution, CommonOptions, TargetSpec } from '../attribution.js';
import { Runner } from '../runner.js';
import { Upsampler } from './upsample.js';

export interface MaskOptions extends CommonOptions {
  /** Replaces deleted pixels. Default: the reference's blur (Gaussian, sigma 50 px, 51 px kernel). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Seed of the noise added along the paths. */
  seed?: number;
  /** Points on the deletion and insertion curves of the result (0: do not compute AUCs). */
  curveSteps?: number;
}

/**
 * A mask method's result: the saliency map (1 - mask, upsampled), input-shaped with the map spread evenly over
 * the channels (their sum is the map), plus the coarse masks and the deletion/insertion scores.
 */
export interface MaskAttribution extends Attribution {
  /** The optimised coarse masks [n, rows, cols] (1: kept, 0: deleted). */
  masks: Float32Array;
  /** Area under the deletion and insertion curves of the map, per input (probability target). */
  deletionAuc?: Float64Array;
  insertionAuc?: Float64Array;
}

/** The reference blur: cv2.GaussianBlur(ksize 51, sigma 50) (in model space; blurring commutes with normalisation). */
export function referenceBlur(g: Geometry): (x: Float32Array) => Float32Array {
  return (x) => blurImage(x, g.space, { sigma: 50, truncate: 0.5 });
}

export interface MaskSetup {
  n: number;
  g: Geometry;
  runner: Runner;
  baselines: Float32Array;
  /** The values a path score can take: [0, 1] for the probability targets; unbounded for a caller's own Target. */
  scoreRange: readonly [number, number];
}

export async function setupMask(model: Model, input: Float32Array, options: MaskOptions): Promise<MaskSetup> {
  const n = countExamples(input, model.inputShape);
  const g = geometry(model, options.preprocessing);
  if (g.space.layout === 'flat') throw new Error('mask methods need an image input (NCHW or NHWC): pass preprocessing.layout');
  const runner = new Runner(model, options);
  await probabilityTarget(runner, options.target, input, n);
  const spec = options.target;
  const ownTarget = spec !== undefined && typeof spec === 'object' && !Array.isArray(spec);
  const scoreRange = ownTarget ? ([-Infinity, Infinity] as const) : ([0, 1] as const);
  const per = g.space.size;
  const baseline = options.baseline;
  let baselines: Float32Array;
  if (baseline === undefined) {
    const blur = referenceBlur(g);
    baselines = new Float32Array(input.length);
    for (let e = 0; e < n; e++) baselines.set(blur(input.subarray(e * per, (e + 1) * per)), e * per);
  } else baselines = drawBaselines(baseline, input, per, (e) => rngFor(options.seed ?? 0, e, 999));
  return { n, g, runner, baselines, scoreRange };
}

/**
 * One optimised mask per example: `fit(e, x, b)` gets example e's input and baseline
 * (views into `input` and `setup.baselines`) and returns its coarse mask.
 */
export async function fitMasks(
  input: Float32Array,
  setup: MaskSetup,
  fit: (e: number, x: Float32Array, b: Float32Array) => Promise<Float64Array>,
): Promise<Float64Array[]> {
  const per = setup.g.space.size;
  const masks: Float64Array[] = [];
  for (let e = 0; e < setup.n; e++) masks.push(await fit(e, input.subarray(e * per, (e + 1) * per), setup.baselines.subarray(e * per, (e + 1) * per)));
  return masks;
}

/** The softmax probability of the given class, or of each input's top class (the reference's `softmax=True`). */
export async function probabilityTarget(runner: Runner, spec: TargetSpec | undefined, input: Float32Array, n: number): Promise<Target> {
  if (spec !== undefined && typeof spec === 'object' && !Array.isArray(spec)) return (runner.target = spec as Target);
  let classes = spec as number | number[] | undefined;
  if (classes === undefined) {
    const logits = await runner.forward(input);
    classes = Array.from({ length: n }, (_, e) => argmax(logits.subarray(e * runner.outSize, (e + 1) * runner.outSize)));
  }
  return (runner.target = classProbability(classes, runner.outSize));
}

/** The coarse grid for a mask of `size` cells on the longer side (capped at the image). */
export function maskGrid(g: Geometry, size: number): Upsampler {
  const [h, w] = g.hw;
  return new Upsampler(Math.min(size, h), Math.min(size, w), h, w);
}

/**
 * A mask value: clamped to [0, 1] and held at float32 precision, as the reference's float32
 * tensors. It matters: L1 and TV have a kink at m = 1 (and where neighbours are equal), so a
 * value 1e-9 below 1 in float64 but exactly 1 in float32 gets a different subgradient
 * (l1 / cells), which the line search's large steps amplify (I-GOS++ drifted to correlation
 * 0.9997 with the official code after 10 iterations; at float32, 1.000000).
 */
export const maskValue = (v: number): number => Math.fround(Math.min(1, Math.max(0, v)));

export function step(m: Float64Array, grad: Float64Array, a: number): void {
  for (let i = 0; i < m.length; i++) m[i] = maskValue(m[i] - a * grad[i]);
}

/** Nesterov's step of the reference's 'NAG' option (momentum i / (i + 3), fixed step alpha). */
export class Nesterov {
  private prev: Float64Array | undefined;
  constructor(private readonly alpha: number) {}
  step(m: Float64Array, grad: Float64Array, iteration: number): void {
    const e = iteration / (iteration + 3);
    const cita = Float64Array.from(m, (v, i) => v - this.alpha * grad[i]);
    const prev = this.prev ?? new Float64Array(m.length);
    for (let i = 0; i < m.length; i++) m[i] = maskValue(cita[i] + e * (cita[i] - prev[i]));
    this.prev = cita;
  }
}

/** Saliency maps (1 - upsampled mask), AUCs, and the Attribution around them. */
export async function maskResult(
  model: Model,
  input: Float32Array,
  setup: MaskSetup,
  up: Upsampler,
  masks: Float64Array[],
  method: string,
  params: Record<string, unknown>,
  options: MaskOptions,
): Promise<MaskAttribution> {
  const { n, g, runner } = setup;
  // input-shaped (as every method's result, for explain/compare/metrics): 1 - mask spread evenly over
  // the channels, so the channel sum (how maps are drawn and scored) is the saliency map itself
  const per = g.space.size;
  const maps = new Float32Array(n * g.positions);
  const values = new Float32Array(n * per);
  masks.forEach((m, e) => {
    const u = up.up(m);
    for (let p = 0; p < g.positions; p++) {
      maps[e * g.positions + p] = 1 - u[p];
      for (let c = 0; c < g.channels; c++) values[e * per + g.element(p, c)] = (1 - u[p]) / g.channels;
    }
  });
  const result: MaskAttribution = {
    values,
    shape: [n, ...g.space.shape],
    method,
    params: { ...params, batchSize: runner.batch },
    target: runner.target.label,
    masks: Float32Array.from(masks.flatMap((m) => Array.from(m))),
    timings: runner.finish(),
  };
  const points = options.curveSteps ?? 50;
  if (points > 0) {
    const curve = { target: runner.target, geometry: g, steps: evenSteps(g.positions, points), batchSize: runner.batch };
    const rankings = Array.from({ length: n }, (_, e) => rankDescending(maps.subarray(e * g.positions, (e + 1) * g.positions)));
    const substrate = { label: 'baseline', random: false, replacement: (_x: Float32Array, e: number) => setup.baselines.subarray(e * per, (e + 1) * per) };
    const del = await deletionCurve(model, input, rankings, { ...curve, substrate });
    const ins = await insertionCurve(model, input, rankings, { ...curve, substrate });
    result.deletionAuc = Float64Array.from(del.y, (y) => auc(y));
    result.insertionAuc = Float64Array.from(ins.y, (y) => auc(y));
    result.params = { ...result.params, deletionAuc: Array.from(result.deletionAuc), insertionAuc: Array.from(result.insertionAuc) };
    result.timings.forwardExamples += del.forwardExamples + ins.forwardExamples;
  }
  return result;
}
