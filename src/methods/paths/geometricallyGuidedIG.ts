/**
 * Geometrically Guided IG, after Rahman, Lewis & Plis (2022, arXiv:2206.05903): instead of
 * integrating the gradient along the IG path, explore the scaled versions of the input on
 * that path and keep, for each feature, its best attribution. What is implemented, exactly:
 *
 *   x_k = x' + alpha_k (x - x'),   alpha_k = k / steps,  k = 1 .. steps
 *   a_{k,i} = (x_i - x'_i) * df/dx_i (x_k)          (input x gradient at scale k)
 *   phi_i = a_{k*,i},  k* = argmax_k a_{k,i}        (select 'max', default)
 *                      k* = argmax_k |a_{k,i}|      (select 'absmax': the sign is kept)
 *
 * ties go to the smallest scale. `scales` reports alpha_{k*} per feature. The paper also
 * refines each interpolation point by gradient ascent on the class score; its description
 * leaves the step rule open and no reference code is published, so that refinement is
 * NOT implemented: this is the scale-exploration core the abstract describes. There is no
 * completeness: phi is a maximum, not an integral (no delta is reported).
 *
 * Streamed through the Runner (memory: one chunk plus two maps per input); batched equals
 * unbatched because every point is independent.
 */
import type { Model } from '../../engine/model.js';
import { describeBaseline, type Baseline } from '../../baselines/baseline.js';
import type { Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { startPathRun } from '../pathRun.js';

export const GGIG_OPTIONS = {
  steps: { kind: 'integer', default: 50, min: 1, description: 'Scaled versions of the input explored (alpha = k / steps)' },
  select: { kind: 'choice', choices: ['max', 'absmax'], default: 'max', description: "Each feature's best: largest attribution, or largest in magnitude" },
} as const;

export interface GeometricallyGuidedIGOptions extends CommonOptions {
  steps?: number;
  select?: 'max' | 'absmax';
  /** Default: black in pixel space. */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  seed?: number;
}

export interface GeometricallyGuidedIGResult extends Attribution {
  /** alpha of the scale each feature's attribution was taken from (input shape). */
  scales: Float32Array;
}

export async function geometricallyGuidedIG(
  model: Model,
  input: Float32Array,
  options: GeometricallyGuidedIGOptions = {},
): Promise<GeometricallyGuidedIGResult> {
  const steps = options.steps ?? GGIG_OPTIONS.steps.default;
  const select = options.select ?? (GGIG_OPTIONS.select.default as 'max');
  if (!(steps >= 1) || !Number.isInteger(steps)) throw new Error(`ggig steps must be a whole number >= 1, got ${steps}`);
  if (select !== 'max' && select !== 'absmax') throw new Error(`ggig select must be 'max' or 'absmax', got '${select}'`);
  const { n, runner, per, target, seed, baselineSpec, baselines } = await startPathRun(model, input, options);
  const diff = new Float32Array(n * per);
  for (let i = 0; i < diff.length; i++) diff[i] = input[i] - baselines[i];

  const values = new Float32Array(n * per).fill(NaN);
  const scales = new Float32Array(n * per);
  const key = select === 'max' ? (v: number) => v : Math.abs;
  await runner.stream(
    n * steps,
    (p) => Math.floor(p / steps),
    (p, dest) => {
      const o = Math.floor(p / steps) * per;
      const alpha = ((p % steps) + 1) / steps;
      for (let j = 0; j < per; j++) dest[j] = baselines[o + j] + alpha * diff[o + j];
    },
    (start, m, grads) => {
      for (let r = 0; r < m; r++) {
        const p = start + r;
        const o = Math.floor(p / steps) * per;
        const alpha = ((p % steps) + 1) / steps;
        for (let j = 0; j < per; j++) {
          const a = Math.fround(diff[o + j] * grads[r * per + j]);
          const best = values[o + j];
          if (Number.isNaN(best) || key(a) > key(best)) {
            values[o + j] = a;
            scales[o + j] = alpha;
          }
        }
      }
    },
  );
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'geometricallyGuidedIG',
    params: { steps, select, baseline: describeBaseline(baselineSpec), seed, batchSize: runner.batch },
    target: target.label,
    scales,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'ggig',
  aliases: ['geometricallyguidedig', 'geometrically-guided-ig'],
  title: 'Geometrically Guided IG',
  family: 'path',
  summary: "Each feature's best input x gradient over scaled inputs on the IG path (after Rahman et al. 2022; no gradient-ascent refinement)",
  needs: { gradients: true, baseline: true },
  options: GGIG_OPTIONS,
  random: (_o, c) => c.randomBaseline,
  cost: (n, opt) => n * opt.steps,
  run: (model, input, opt, ctx) =>
    geometricallyGuidedIG(model, input, {
      steps: opt.steps,
      select: opt.select as 'max' | 'absmax',
      target: ctx.target,
      batchSize: ctx.batchSize,
      baseline: ctx.baseline,
      preprocessing: ctx.preprocessing,
      seed: ctx.seed,
    }),
  order: 32,
});
