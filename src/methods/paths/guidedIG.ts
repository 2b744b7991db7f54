/**
 * Guided Integrated Gradients (Kapishnikov et al., CVPR 2021), as PAIR saliency's
 * `guided_ig_impl` computes it. The path is adaptive: at each of `steps` steps the L1
 * distance to the input shrinks by 1/steps, by moving the `fraction` of features with the
 * smallest |gradient| (repeatedly, until the step's L1 target is met), while every
 * feature stays within `maxDist` (in alpha) of the straight line (maxDist 0: plain IG on
 * the straight line; 1: unbounded). phi accumulates (x_new - x_old) * gradient(x_old).
 *
 * Exactly PAIR's arithmetic in float64: features with x = x' get alpha_max; features that
 * fell behind alpha_min jump to it; a feature at its x_max is excluded from selection
 * (gradient set to +inf); the threshold is numpy's quantile(|g|, fraction, 'lower'); the
 * step ends when L1 is within 1e-9 (math.isclose) of its target. One guard PAIR lacks:
 * when no feature can move (PAIR would loop forever) the step ends and `stalledSteps`
 * counts it. Completeness: sum(phi) ~ f(x) - f(x'), delta reported per input.
 *
 * The path is sequential (each step needs the gradient at the point the last one
 * reached); inputs are batched together, one model call per step and chunk of inputs.
 */
import type { Model } from '../../engine/model.js';
import { describeBaseline, type Baseline } from '../../baselines/baseline.js';
import type { Preprocessing } from '../../engine/space.js';
import { numpySum } from '../../masks/numeric.js';
import { guidedStep } from './guidedStep.js';
import type { CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { startPathRun } from '../pathRun.js';
import type { PathAttribution } from './blurIG.js';

export const GUIDED_IG_OPTIONS = {
  steps: { kind: 'integer', default: 200, min: 1, description: 'Steps of the adaptive path' },
  fraction: { kind: 'number', default: 0.25, min: 0, max: 1, description: 'Fraction of features (smallest |gradient|) moved per iteration' },
  maxDist: { kind: 'number', default: 0.02, min: 0, max: 1, description: 'Largest deviation (in alpha) from the straight-line path' },
} as const;

export interface GuidedIGOptions extends CommonOptions {
  steps?: number;
  fraction?: number;
  maxDist?: number;
  /** Default: black in pixel space (PAIR's default is zeros). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  seed?: number;
  delta?: boolean;
}

export async function guidedIG(model: Model, input: Float32Array, options: GuidedIGOptions = {}): Promise<PathAttribution> {
  const o = GUIDED_IG_OPTIONS;
  const steps = options.steps ?? o.steps.default;
  const fraction = options.fraction ?? o.fraction.default;
  const maxDist = options.maxDist ?? o.maxDist.default;
  if (!(steps >= 1) || !Number.isInteger(steps)) throw new Error(`guidedig steps must be a whole number >= 1, got ${steps}`);
  if (!(fraction >= 0 && fraction <= 1) || !(maxDist >= 0 && maxDist <= 1)) throw new Error(`guidedig fraction and maxDist must be in [0, 1], got ${fraction} and ${maxDist}`);
  const { n, runner, per, target, seed, baselineSpec, baselines } = await startPathRun(model, input, options);

  const xi = [...Array(n).keys()].map((e) => Float64Array.from(input.subarray(e * per, (e + 1) * per)));
  const xb = [...Array(n).keys()].map((e) => Float64Array.from(baselines.subarray(e * per, (e + 1) * per)));
  const x = xb.map((b) => Float64Array.from(b));
  const attr = xi.map(() => new Float64Array(per));
  const l1Total = xi.map((v, e) => numpySum(v.map((t, j) => Math.abs(t - xb[e][j]))));
  const active = l1Total.map((t) => t !== 0); // an input equal to its baseline gets zero
  const live = [...Array(n).keys()].filter((e) => active[e]);
  let stalledSteps = 0;
  for (let step = 0; step < steps && live.length > 0; step++) {
    await runner.stream(
      live.length,
      (i) => live[i],
      (i, dest) => dest.set(x[live[i]]),
      (start, m, grads) => {
        for (let r = 0; r < m; r++) {
          const e = live[start + r];
          const ok = guidedStep(x[e], xi[e], xb[e], grads.subarray(r * per, (r + 1) * per), attr[e], step, steps, fraction, maxDist, l1Total[e]);
          if (!ok) stalledSteps++;
        }
      },
    );
  }
  const values = new Float32Array(n * per);
  attr.forEach((a, e) => values.set(a, e * per));

  let delta: Float32Array | undefined;
  let outputs: PathAttribution['outputs'];
  if (options.delta ?? true) {
    const both = new Float32Array(2 * n * per);
    both.set(input);
    both.set(baselines, n * per);
    const v = await runner.values(both, (i) => i % n);
    outputs = { input: Float32Array.from(v.subarray(0, n)), baseline: Float32Array.from(v.subarray(n)) };
    delta = Float32Array.from(attr, (a, e) => a.reduce((s, t) => s + t, 0) - (v[e] - v[n + e]));
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'guidedIG',
    params: { steps, fraction, maxDist, baseline: describeBaseline(baselineSpec), seed, batchSize: runner.batch, stalledSteps },
    target: target.label,
    delta,
    outputs,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'guidedig',
  aliases: ['guided-ig', 'guidedintegratedgradients'],
  title: 'Guided IG',
  family: 'path',
  summary: 'Integrated gradients on an adaptive path that moves the features with the smallest gradients first (Kapishnikov et al. 2021)',
  needs: { gradients: true, baseline: true },
  options: GUIDED_IG_OPTIONS,
  random: (_o, c) => c.randomBaseline,
  cost: (n, opt) => n * opt.steps,
  run: (model, input, opt, ctx) =>
    guidedIG(model, input, { ...opt, target: ctx.target, batchSize: ctx.batchSize, baseline: ctx.baseline, preprocessing: ctx.preprocessing, seed: ctx.seed }),
  order: 31,
});
