/**
 * Integrated Gradients (Sundararajan et al. 2017):
 *   phi_i = (x_i - x'_i) * integral_0^1 df(x' + alpha (x - x')) / dx_i dalpha,
 * the integral by a quadrature rule (quadrature.ts, Captum's alphas and weights).
 * Interpolated inputs are streamed in chunks and weighted gradients accumulated, so
 * memory does not grow with the number of steps. Completeness: sum(phi) = f(x) - f(x');
 * the delta sum(phi) - (f(x) - f(x')) is returned per input.
 *
 * autoSteps doubles the steps until |delta| <= tolerance * |f(x) - f(x')| for every
 * input (inputs that converged are not recomputed), and reports the steps each input
 * needed and the delta at every step count tried. With the textbook 'trapezoid' rule the
 * points nest, so each doubling (n -> 2n - 1 points) only evaluates the new midpoints.
 */
import type { Model } from '../engine/model.js';
import { describeBaseline, isRandom, type Baseline } from '../baselines/baseline.js';
import type { Preprocessing } from '../engine/space.js';
import type { Attribution, CommonOptions } from './attribution.js';
import { quadrature, QUADRATURES, type QuadratureName } from './quadrature.js';
import { startPathRun } from './pathRun.js';
import type { Runner } from './runner.js';
import { NestedTrapezoid } from './nestedTrapezoid.js';
import { defineMethod } from './descriptor.js';
import { averageOverBaselines } from './averageBaselines.js';

/** With steps 'auto', the first step count tried (doubled until the delta meets the tolerance). */
export const AUTO_START_STEPS = 16;

export interface AutoStepsOptions {
  /** Relative tolerance on |delta| / |f(x) - f(x')|. Default 0.05 (the IG paper's 5%): descriptor.options.tolerance. */
  tolerance?: number;
  /** Largest step count tried. Default 4096: descriptor.options.maxSteps. */
  maxSteps?: number;
}

export interface IntegratedGradientsOptions extends CommonOptions {
  /** Default: black in pixel space (zeros when the preprocessing and range are unknown, as Captum). */
  baseline?: Baseline;
  /** Preprocessing for the default black baseline. */
  preprocessing?: Preprocessing;
  /**
   * Number of quadrature points (the starting count with autoSteps), or 'auto': autoSteps
   * from AUTO_START_STEPS. Default 64 (descriptor.options.steps, as the CLI's --steps).
   */
  steps?: number | 'auto';
  /** Quadrature rule. Default 'gausslegendre' (Captum's default; descriptor.options.quadrature). */
  method?: QuadratureName;
  /** Double the steps until the completeness delta meets the tolerance. */
  autoSteps?: boolean | AutoStepsOptions;
  /** Seed for random baselines (one draw per input). Default 0. */
  seed?: number;
  /** Compute the completeness delta (two forward passes per input). Default true; always with autoSteps. */
  delta?: boolean;
}

export interface Convergence {
  tolerance: number;
  /** Steps each input needed (its last count when it did not converge). */
  steps: number[];
  converged: boolean[];
  /** Every step count tried, with each input's delta (NaN for inputs already converged). */
  curve: { steps: number; delta: number[]; relative: number[] }[];
}

export interface IntegratedGradientsResult extends Attribution {
  delta?: Float32Array;
  /** f(x) and f(x') per input (when delta is computed). */
  outputs?: { input: Float32Array; baseline: Float32Array };
  convergence?: Convergence;
}

/** phi for the listed examples (row r of the result is example examples[r]). */
export async function integrate(
  runner: Runner,
  x: Float32Array,
  baselines: Float32Array,
  examples: readonly number[],
  steps: number,
  method: QuadratureName,
): Promise<Float32Array> {
  const per = runner.per;
  const { alphas, weights } = quadrature(method, steps);
  const w32 = weights.map(Math.fround); // Captum multiplies by a float32 tensor of step sizes
  const acc = new Float64Array(examples.length * per);
  const diff = new Float32Array(examples.length * per); // x - x', as Captum forms it (float32)
  examples.forEach((e, r) => {
    for (let j = 0; j < per; j++) diff[r * per + j] = x[e * per + j] - baselines[e * per + j];
  });
  await runner.stream(
    examples.length * steps,
    (p) => examples[Math.floor(p / steps)],
    (p, dest) => {
      const r = Math.floor(p / steps);
      const a = Math.fround(alphas[p % steps]);
      const o = examples[r] * per;
      const d = r * per;
      // float32 as torch does it: x' + fround(alpha * fround(x - x')), rounded again on store
      for (let j = 0; j < per; j++) dest[j] = baselines[o + j] + Math.fround(a * diff[d + j]);
    },
    (start, m, grads) => {
      for (let i = 0; i < m; i++) {
        const p = start + i;
        const w = w32[p % steps];
        const row = Math.floor(p / steps) * per;
        for (let j = 0; j < per; j++) acc[row + j] += w * grads[i * per + j];
      }
    },
  );
  const phi = new Float32Array(acc.length);
  for (let i = 0; i < phi.length; i++) phi[i] = Math.fround(acc[i]) * diff[i];
  return phi;
}

export async function integratedGradients(
  model: Model,
  input: Float32Array,
  options: IntegratedGradientsOptions = {},
): Promise<IntegratedGradientsResult> {
  const { n, runner, per, target, seed, baselineSpec, baselines } = await startPathRun(model, input, options);
  const defaults = descriptor.options;
  const method = options.method ?? (defaults.quadrature.default as QuadratureName);
  const requested = options.steps ?? defaults.steps.default;
  const autoSteps = requested === 'auto' ? options.autoSteps || true : options.autoSteps;
  const auto = autoSteps ? (autoSteps === true ? {} : autoSteps) : undefined;
  const wantDelta = auto ? true : options.delta ?? true; // autoSteps needs the delta
  let steps = requested === 'auto' ? AUTO_START_STEPS : requested;

  let fx: Float64Array | undefined;
  let fb: Float64Array | undefined;
  if (wantDelta) {
    const both = new Float32Array(2 * n * per);
    both.set(input, 0);
    both.set(baselines, n * per);
    const v = await runner.values(both, (i) => i % n);
    fx = v.subarray(0, n);
    fb = v.subarray(n);
  }
  const deltaOf = (phi: Float32Array, row: number, e: number) => {
    let s = 0;
    for (let j = row * per; j < (row + 1) * per; j++) s += phi[j];
    return s - (fx![e] - fb![e]);
  };

  const values = new Float32Array(n * per);
  const delta = new Float32Array(n);
  let convergence: Convergence | undefined;
  if (!auto) {
    const phi = await integrate(runner, input, baselines, [...Array(n).keys()], steps, method);
    values.set(phi);
    if (wantDelta) for (let e = 0; e < n; e++) delta[e] = deltaOf(phi, e, e);
  } else {
    const tolerance = auto.tolerance ?? defaults.tolerance.default;
    const maxSteps = auto.maxSteps ?? defaults.maxSteps.default;
    convergence = { tolerance, steps: new Array(n).fill(0), converged: new Array(n).fill(false), curve: [] };
    let pending = [...Array(n).keys()];
    // the trapezoid rule's points nest: refine (n -> 2n - 1 points) instead of starting afresh
    const nested = method === 'trapezoid' ? new NestedTrapezoid(runner, input, baselines) : undefined;
    for (;;) {
      const phi = nested ? await nested.refine(pending, steps) : await integrate(runner, input, baselines, pending, steps, method);
      const point = { steps, delta: new Array(n).fill(NaN), relative: new Array(n).fill(NaN) };
      const still: number[] = [];
      pending.forEach((e, r) => {
        const d = deltaOf(phi, r, e);
        const scale = Math.abs(fx![e] - fb![e]);
        point.delta[e] = d;
        point.relative[e] = scale > 0 ? Math.abs(d) / scale : Math.abs(d) === 0 ? 0 : Infinity;
        values.set(phi.subarray(r * per, (r + 1) * per), e * per);
        delta[e] = d;
        convergence!.steps[e] = steps;
        // an input whose output does not change is converged when the delta is at float noise
        const ok = Math.abs(d) <= tolerance * scale || Math.abs(d) <= 1e-6 * Math.max(Math.abs(fx![e]), Math.abs(fb![e]), 1e-30);
        convergence!.converged[e] = ok;
        if (!ok) still.push(e);
      });
      convergence.curve.push(point);
      pending = still;
      const next = nested ? 2 * steps - 1 : 2 * steps;
      if (pending.length === 0 || next > maxSteps) break;
      steps = next;
    }
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'integratedGradients',
    params: {
      baseline: describeBaseline(baselineSpec),
      steps: requested,
      method,
      autoSteps: auto ? { tolerance: convergence!.tolerance, maxSteps: auto.maxSteps ?? defaults.maxSteps.default } : false,
      seed,
      batchSize: runner.batch,
    },
    target: target.label,
    delta: wantDelta ? delta : undefined,
    outputs: wantDelta ? { input: Float32Array.from(fx!), baseline: Float32Array.from(fb!) } : undefined,
    convergence,
    timings: runner.finish(),
  };
}

/** Steps as the CLI and the cost estimate see them: a count, or 'auto' starting at AUTO_START_STEPS. */
export function stepsPlan(steps: number | 'auto'): { steps: number; auto: boolean } {
  return steps === 'auto' ? { steps: AUTO_START_STEPS, auto: true } : { steps, auto: false };
}

export const descriptor = defineMethod({
  name: 'ig',
  aliases: ['integratedgradients'],
  title: 'Integrated Gradients',
  family: 'path',
  summary: "(x - x') times the gradient integrated along the straight path from the baseline (Sundararajan et al. 2017)",
  needs: { gradients: true, baseline: true },
  options: {
    steps: {
      kind: 'integer',
      default: 64,
      min: 1,
      max: 100000,
      auto: true,
      description: `quadrature points, or 'auto': double from ${AUTO_START_STEPS} until |delta| <= tolerance * |f(x) - f(x')|`,
    },
    quadrature: {
      kind: 'choice',
      choices: [...QUADRATURES, 'trapezoid'],
      default: 'gausslegendre',
      description: "quadrature rule: Captum's five (same names and numbers), or the textbook trapezoid, whose points nest (cheapest with --steps auto)",
    },
    tolerance: { kind: 'number', default: 0.05, min: 0, max: 1, exclusiveMin: true, description: "with --steps auto: relative tolerance on |delta| / |f(x) - f(x')|" },
    maxSteps: { kind: 'integer', default: 4096, min: 1, max: 100000, description: 'with --steps auto: the largest step count tried' },
    samples: { kind: 'integer', default: 10, min: 1, max: 100000, description: 'draws of a random baseline (uniform, gaussian, dataset), averaged' },
  },
  random: (_o, c) => c.randomBaseline,
  cost: (n, o, c) => {
    const per = stepsPlan(o.steps).steps + 2;
    return c.randomBaseline ? n * o.samples * per : n * per;
  },
  run: async (model, input, o, c) => {
    const ig = {
      steps: o.steps,
      method: o.quadrature as QuadratureName,
      autoSteps: o.steps === 'auto' ? { tolerance: o.tolerance, maxSteps: o.maxSteps } : false,
    };
    const common = { target: c.target, batchSize: c.batchSize, seed: c.seed };
    if (c.baseline !== undefined && isRandom(c.baseline)) {
      return averageOverBaselines(model, input, { ...common, baseline: c.baseline, samples: o.samples, methodOptions: ig });
    }
    return integratedGradients(model, input, { ...common, ...ig, baseline: c.baseline, preprocessing: c.preprocessing });
  },
  order: 0,
});
