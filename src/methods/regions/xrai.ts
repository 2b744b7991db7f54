/**
 * XRAI (Kapishnikov et al., ICCV 2019), as PAIR saliency's `XRAI.GetMaskWithDetails`:
 *
 * 1. Integrated Gradients with PAIR's rule (alphas = linspace(0, 1, steps), weights
 *    1/steps, float32 gradient sums) from two constant baselines, the input's min and max,
 *    averaged; then the max over channels gives one value per pixel;
 * 2. candidate regions: Felzenszwalb at six scales on the image rescaled to [-1, 1],
 *    dilated (masks/xraiSegments.ts), or any segmentation spec (`slic:n=50`, undilated);
 * 3. greedy ranking by attribution density (regions/xraiRanking.ts).
 *
 * Returns the XRAI map ([n, h, w]: the input's spatial shape, no channels), the rank of
 * each pixel's region (1 = most important) and the gains, plus the IG attribution used.
 *
 * Family 'path': XRAI's cost and needs are those of its Integrated Gradients (2 x steps
 * gradient evaluations per input; the ranking itself is model-free), and it fails where
 * gradients are unavailable, unlike the forward-only perturbation family.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { inputSpace, type Preprocessing } from '../../engine/space.js';
import { rngFor } from '../../random.js';
import { parseSegmentation } from '../../masks/segmentation.js';
import { xraiSegments, type Region } from '../../masks/xraiSegments.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { xraiRanking } from './xraiRanking.js';

export const XRAI_OPTIONS = {
  steps: { kind: 'integer', default: 100, min: 2, description: 'Integrated Gradients steps per baseline (PAIR: linspace(0, 1, steps))' },
  algorithm: { kind: 'choice', choices: ['full', 'fast'], default: 'full', description: "'full': greedy by density of the new pixels; 'fast': ranked once" },
  areaThreshold: { kind: 'number', default: 1, min: 0, max: 1, description: 'Stop once this fraction of the image is covered (full)' },
  minPixelDiff: { kind: 'integer', default: 50, min: 0, description: 'Drop regions adding fewer new pixels' },
  segments: { kind: 'string', default: 'xrai', description: "Candidate regions: 'xrai' (Felzenszwalb at 6 scales, dilated) or a spec (slic:n=50)" },
} as const;

export interface XraiOptions extends CommonOptions {
  steps?: number;
  algorithm?: 'full' | 'fast';
  areaThreshold?: number;
  minPixelDiff?: number;
  /** 'xrai' (default), a segmentation spec, or the regions of each input. */
  segments?: string | Region[][];
  /** IG baselines, averaged. Default: PAIR's, constant images at the input's min and at its max. */
  baselines?: Baseline[];
  /** A precomputed per-input attribution (input shape) used instead of IG. */
  attribution?: Float32Array;
  preprocessing?: Preprocessing;
  seed?: number;
}

export interface XraiResult extends Attribution {
  /** Rank of each pixel's region, 1 = most important, [n, h, w]. */
  ranks: Int32Array;
  /** Gains (attribution densities) by rank, per input. */
  gains: number[][];
  /** The attribution XRAI ranked (IG averaged over the baselines), input shape. */
  base: Float32Array;
}

/** PAIR's IntegratedGradients.GetMask for each input and baseline, averaged over baselines (float64). */
async function pairIG(runner: Runner, input: Float32Array, baselines: Float32Array[], steps: number): Promise<Float64Array> {
  const per = runner.per;
  const n = input.length / per;
  const B = baselines.length;
  const alphas = Array.from({ length: steps }, (_, i) => (i === steps - 1 ? 1 : i * (1 / (steps - 1))));
  const sums = new Float32Array(n * B * per); // PAIR accumulates float32 gradients
  await runner.stream(
    n * B * steps,
    (p) => Math.floor(p / (B * steps)),
    (p, dest) => {
      const e = Math.floor(p / (B * steps));
      const b = Math.floor(p / steps) % B;
      const a = alphas[p % steps];
      for (let j = 0; j < per; j++) {
        const xb = baselines[b][e * per + j];
        dest[j] = xb + a * (input[e * per + j] - xb);
      }
    },
    (start, m, grads) => {
      for (let r = 0; r < m; r++) {
        const row = Math.floor((start + r) / steps) * per;
        for (let j = 0; j < per; j++) sums[row + j] += grads[r * per + j];
      }
    },
  );
  const out = new Float64Array(n * per);
  for (let e = 0; e < n; e++)
    for (let j = 0; j < per; j++) {
      let s = 0;
      for (let b = 0; b < B; b++) {
        const diff = input[e * per + j] - baselines[b][e * per + j];
        s += (sums[(e * B + b) * per + j] * diff) / steps;
      }
      out[e * per + j] = s / B;
    }
  return out;
}

export async function xrai(model: Model, input: Float32Array, options: XraiOptions = {}): Promise<XraiResult> {
  const o = XRAI_OPTIONS;
  const steps = options.steps ?? o.steps.default;
  const n = countExamples(input, model.inputShape);
  const space = inputSpace(model, options.preprocessing);
  if (space.layout === 'flat' || space.spatial.dims.length !== 2) throw new Error('XRAI needs images (NCHW or NHWC with two spatial axes): pass preprocessing.layout');
  const [h, w] = space.spatial.dims;
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);

  let base: Float64Array;
  if (options.attribution) {
    if (options.attribution.length !== input.length) throw new Error(`XRAI attribution has ${options.attribution.length} values for an input of ${input.length}`);
    base = Float64Array.from(options.attribution);
  } else {
    const specs: Baseline[] = options.baselines ?? [
      (x: Float32Array) => new Float32Array(x.length).fill(x.reduce((a, b) => Math.min(a, b), Infinity)),
      (x: Float32Array) => new Float32Array(x.length).fill(x.reduce((a, b) => Math.max(a, b), -Infinity)),
    ];
    const drawn = specs.map((s, b) => drawBaselines(s, input, per, (e) => rngFor(options.seed ?? 0, e, b)));
    base = await pairIG(runner, input, drawn, steps);
  }

  const values = new Float32Array(n * h * w);
  const ranks = new Int32Array(n * h * w);
  const gains: number[][] = [];
  const pixels = space.toPixels(input);
  const segSpec = options.segments ?? o.segments.default;
  for (let e = 0; e < n; e++) {
    const perPixel = new Float64Array(h * w).fill(-Infinity);
    for (let j = 0; j < per; j++) {
      const p = space.layout === 'NCHW' ? j % (h * w) : Math.floor(j / space.channels);
      perPixel[p] = Math.max(perPixel[p], base[e * per + j]);
    }
    const image = pixels.subarray(e * per, (e + 1) * per);
    let regions: Region[];
    if (typeof segSpec !== 'string') regions = segSpec[e];
    else if (segSpec === 'xrai') regions = xraiSegments(image, model.inputShape, { layout: space.layout as 'NCHW' | 'NHWC' });
    else {
      const mask = parseSegmentation(segSpec)(image, model.inputShape, space.layout as 'NCHW' | 'NHWC');
      const members: number[][] = Array.from({ length: mask.count }, () => []);
      mask.labels.forEach((l, i) => members[l].push(i));
      regions = members.map((m) => Int32Array.from(m));
    }
    const r = xraiRanking(perPixel, regions, { algorithm: options.algorithm, areaThreshold: options.areaThreshold, minPixelDiff: options.minPixelDiff });
    values.set(r.map, e * h * w);
    ranks.set(r.ranks, e * h * w);
    gains.push(r.gains);
  }
  return {
    values,
    shape: [n, h, w],
    method: 'xrai',
    params: {
      steps,
      algorithm: options.algorithm ?? o.algorithm.default,
      areaThreshold: options.areaThreshold ?? o.areaThreshold.default,
      minPixelDiff: options.minPixelDiff ?? o.minPixelDiff.default,
      segments: typeof segSpec === 'string' ? segSpec : 'given',
      attribution: options.attribution ? 'given' : options.baselines ? 'IG (given baselines)' : 'IG (min and max baselines)',
      batchSize: runner.batch,
    },
    target: target.label,
    ranks,
    gains,
    base: Float32Array.from(base),
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'xrai',
  aliases: [],
  title: 'XRAI',
  family: 'path',
  summary: 'Regions (Felzenszwalb at several scales) ranked greedily by Integrated Gradients density (Kapishnikov et al. 2019)',
  needs: { gradients: true },
  options: XRAI_OPTIONS,
  random: false,
  cost: (n, opt) => 2 * n * opt.steps,
  run: (model, input, opt, ctx) =>
    xrai(model, input, {
      ...opt,
      algorithm: opt.algorithm as 'full' | 'fast',
      target: ctx.target,
      batchSize: ctx.batchSize,
      preprocessing: ctx.preprocessing,
      seed: ctx.seed,
    }),
  order: 40,
});
