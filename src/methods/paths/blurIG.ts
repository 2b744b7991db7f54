/**
 * Blur IG (Xu, Venugopalan & Sundararajan, CVPR 2020), as PAIR saliency's `BlurIG`
 * computes it: the path runs through ever stronger Gaussian blurs of the input, from the
 * maximally blurred image (sigma = maxSigma) to the input (sigma = 0); no baseline.
 *
 *   sigma_i = i * maxSigma / steps (or sqrt(i * maxSigma / steps) with `sqrt`), i = 0..steps
 *   phi = - sum_{i < steps} (sigma_{i+1} - sigma_i) * dx/dsigma(sigma_i) * grad f(x_i)
 *
 * with x_i = blur(x, sigma_i) and dx/dsigma by PAIR's forward difference
 * (blur(x, sigma_i + gradStep) - x_i) / gradStep. Blurs are scipy's gaussian_filter with
 * zero ('constant') borders over the spatial axes, in float64, in the model's input
 * space (as PAIR blurs whatever array it is given). Completeness: sum(phi) ~ f(x) -
 * f(blur(x, maxSigma)); the delta is reported per input.
 *
 * Points are streamed through the Runner: each chunk holds batchSize blurred images and
 * their blur derivatives, whatever the number of steps. Where an onnxruntime is loaded the
 * blurs of a chunk are matrix products in one onnxruntime call (matrixBlur.ts: the same
 * blurs and the same finite difference, computed exactly as B X B per channel in float32);
 * otherwise the float64 JavaScript filter of gaussian.ts.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { inputSpace, type Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { gaussianFilter, gaussianFilterPair } from './gaussian.js';
import { MatrixBlur } from './matrixBlur.js';

export const BLUR_IG_OPTIONS = {
  steps: { kind: 'integer', default: 100, min: 1, description: 'Blur levels between the input and the maximal blur' },
  maxSigma: { kind: 'number', default: 50, min: 0, exclusiveMin: true, description: 'Blur (pixels) at the start of the path' },
  gradStep: { kind: 'number', default: 0.01, min: 0, exclusiveMin: true, description: 'Sigma step of the finite-difference blur derivative' },
  sqrt: { kind: 'boolean', default: false, description: 'Space the sigmas as sqrt(i * maxSigma / steps) (PAIR option)' },
} as const;

export interface BlurIGOptions extends CommonOptions {
  steps?: number;
  maxSigma?: number;
  gradStep?: number;
  sqrt?: boolean;
  /** Layout of the input (default: inferred from the shape). */
  preprocessing?: Preprocessing;
  /** Compute the completeness delta (two forward passes per input). Default true. */
  delta?: boolean;
}

export interface PathAttribution extends Attribution {
  /** f(x) and f(start of the path) per input, when the delta is computed. */
  outputs?: { input: Float32Array; baseline: Float32Array };
}

/** PAIR's sigma schedule: steps + 1 values from 0 to maxSigma. */
export function blurSigmas(steps: number, maxSigma: number, sqrt = false): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => (sqrt ? Math.sqrt((i * maxSigma) / steps) : (i * maxSigma) / steps));
}

export async function blurIG(model: Model, input: Float32Array, options: BlurIGOptions = {}): Promise<PathAttribution> {
  const o = BLUR_IG_OPTIONS;
  const steps = options.steps ?? o.steps.default;
  const maxSigma = options.maxSigma ?? o.maxSigma.default;
  const gradStep = options.gradStep ?? o.gradStep.default;
  const sqrt = options.sqrt ?? o.sqrt.default;
  if (!(steps >= 1) || !Number.isInteger(steps)) throw new Error(`blurig steps must be a whole number >= 1, got ${steps}`);
  if (!(maxSigma > 0) || !(gradStep > 0)) throw new Error(`blurig maxSigma and gradStep must be > 0, got ${maxSigma} and ${gradStep}`);
  const n = countExamples(input, model.inputShape);
  const space = inputSpace(model, options.preprocessing);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const sigmas = blurSigmas(steps, maxSigma, sqrt);
  const images: Float64Array[] = [];
  for (let e = 0; e < n; e++) images.push(Float64Array.from(input.subarray(e * per, (e + 1) * per)));

  const acc = new Float64Array(n * per);
  const chunk = Math.min(runner.batch, n * steps);
  const slope = new Float64Array(chunk * per); // dx/dsigma of the chunk's points
  const matrix = await MatrixBlur.open(space, gradStep);
  let blurred: { at: Float32Array; slope: Float32Array } | undefined;
  const farthest: Float32Array[] = [];
  try {
    await runner.stream(
      n * steps,
      (p) => Math.floor(p / steps),
      async (p, dest) => {
        const e = Math.floor(p / steps);
        const i = p % steps;
        const row = (p % runner.batch) * per;
        if (matrix) {
          // the whole chunk in one onnxruntime call, when asked for its first point
          if (row === 0) {
            const points = Array.from({ length: Math.min(runner.batch, n * steps - p) }, (_, j) => p + j);
            blurred = await matrix.pairs(points.map((q) => images[Math.floor(q / steps)]), points.map((q) => sigmas[q % steps]));
          }
          dest.set(blurred!.at.subarray(row, row + per));
          slope.set(blurred!.slope.subarray(row, row + per), row);
          return;
        }
        const [at, next] = gaussianFilterPair(images[e], space, sigmas[i], sigmas[i] + gradStep);
        for (let j = 0; j < per; j++) {
          dest[j] = at[j];
          slope[row + j] = (next[j] - at[j]) / gradStep;
        }
      },
      (start, m, grads) => {
        for (let r = 0; r < m; r++) {
          const p = start + r;
          const e = Math.floor(p / steps);
          const i = p % steps;
          const dSigma = sigmas[i + 1] - sigmas[i];
          for (let j = 0; j < per; j++) acc[e * per + j] += dSigma * (slope[r * per + j] * grads[r * per + j]);
        }
      },
    );
    // the start of each path (the delta's f(blur(x, maxSigma))), a chunk of inputs per call
    if (matrix && (options.delta ?? true))
      for (let e = 0; e < n; e += runner.batch) {
        const some = images.slice(e, e + runner.batch);
        farthest.push((await matrix.pairs(some, some.map(() => maxSigma))).at.slice(0, some.length * per));
      }
  } finally {
    await matrix?.dispose();
  }
  const values = Float32Array.from(acc, (v) => -v);

  let delta: Float32Array | undefined;
  let outputs: PathAttribution['outputs'];
  if (options.delta ?? true) {
    const both = new Float32Array(2 * n * per);
    both.set(input);
    if (farthest.length) farthest.forEach((blurs, k) => both.set(blurs, (n + k * runner.batch) * per));
    else for (let e = 0; e < n; e++) both.set(gaussianFilter(images[e], space, maxSigma, 'constant'), (n + e) * per);
    const v = await runner.values(both, (i) => i % n);
    outputs = { input: Float32Array.from(v.subarray(0, n)), baseline: Float32Array.from(v.subarray(n)) };
    delta = new Float32Array(n);
    for (let e = 0; e < n; e++) {
      let s = 0;
      for (let j = e * per; j < (e + 1) * per; j++) s -= acc[j];
      delta[e] = s - (v[e] - v[n + e]);
    }
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'blurIG',
    params: { steps, maxSigma, gradStep, sqrt, batchSize: runner.batch },
    target: target.label,
    delta,
    outputs,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'blurig',
  aliases: ['blur-ig', 'blurintegratedgradients'],
  title: 'Blur IG',
  family: 'path',
  summary: 'Integrated gradients along a path of decreasing Gaussian blur, no baseline (Xu et al. 2020)',
  needs: { gradients: true },
  options: BLUR_IG_OPTIONS,
  random: false,
  cost: (n, opt) => n * opt.steps,
  run: (model, input, opt, ctx) =>
    blurIG(model, input, { ...opt, target: ctx.target, batchSize: ctx.batchSize, preprocessing: ctx.preprocessing }),
  order: 30,
});
