/**
 * Path data for the Integrated Gradients figures (Sturmfels et al.): along the straight
 * path x' + alpha (x - x'),
 * - at a grid of alphas: the interpolated input, the gradient there, and the
 *   cumulative attribution phi(alpha) = (x - x') * integral_0^alpha grad;
 * - at every fine step: the output f(path(alpha)) and sum(phi(alpha)), to draw against
 *   f(x) - f(x') (completeness says sum(phi(alpha)) = f(path(alpha)) - f(x')).
 * The integral uses the trapezoid rule on a uniform fine grid that contains the grid
 * alphas. Memory: three arrays of grid x input size, plus two of input size.
 */
import type { Model } from '../engine/model.js';
import { describeBaseline, type Baseline } from '../baselines/baseline.js';
import type { Preprocessing } from '../engine/space.js';
import type { CommonOptions, Timings } from './attribution.js';
import { startPathRun } from './pathRun.js';

export interface PathOptions extends CommonOptions {
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Number of grid alphas, evenly spaced from 0 to 1 inclusive. Default 11 (0, 0.1, ..., 1). */
  grid?: number;
  /** Fine trapezoid intervals (rounded up to a multiple of grid - 1). Default 100. */
  steps?: number;
  seed?: number;
}

export interface PathData {
  /** Grid alphas (G values). */
  alphas: number[];
  /** Input shape with a leading [n, G]: interpolated inputs, gradients, cumulative attributions. */
  shape: number[];
  inputs: Float32Array;
  gradients: Float32Array;
  cumulative: Float32Array;
  /** Fine alphas (M + 1 values) and, per input (row-major [n, M + 1]), f(path(alpha)) and sum(phi(alpha)). */
  curve: { alphas: Float64Array; output: Float64Array; attributionSum: Float64Array };
  /** f(x) and f(x') per input. */
  fx: Float64Array;
  fBaseline: Float64Array;
  target: string;
  baseline: string;
  timings: Timings;
}

export async function integratedGradientsPath(model: Model, input: Float32Array, options: PathOptions = {}): Promise<PathData> {
  const { n, runner, per, target, baselineSpec, baselines } = await startPathRun(model, input, options);
  const G = options.grid ?? 11;
  if (!Number.isInteger(G) || G < 2) throw new Error(`grid must be an integer >= 2, got ${G}`);
  const every = Math.max(1, Math.ceil((options.steps ?? 100) / (G - 1)));
  const M = every * (G - 1);
  const h = 1 / M;
  const fine = Float64Array.from({ length: M + 1 }, (_, j) => j / M);

  const inputs = new Float32Array(n * G * per);
  const gradients = new Float32Array(n * G * per);
  const cumulative = new Float32Array(n * G * per);
  const output = new Float64Array(n * (M + 1));
  const attributionSum = new Float64Array(n * (M + 1));
  const cum = new Float64Array(per); // integral of the gradient so far (current input)
  const prev = new Float32Array(per); // gradient at the previous fine alpha
  const points = M + 1;

  await runner.stream(
    n * points,
    (p) => Math.floor(p / points),
    (p, dest) => {
      const o = Math.floor(p / points) * per;
      const a = fine[p % points];
      for (let j = 0; j < per; j++) dest[j] = baselines[o + j] + a * (input[o + j] - baselines[o + j]);
    },
    (start, m, grads, values) => {
      for (let i = 0; i < m; i++) {
        const p = start + i;
        const e = Math.floor(p / points);
        const j = p % points;
        const g = grads.subarray(i * per, (i + 1) * per);
        const o = e * per;
        if (j === 0) cum.fill(0);
        else for (let k = 0; k < per; k++) cum[k] += (h / 2) * (prev[k] + g[k]);
        prev.set(g);
        let s = 0;
        for (let k = 0; k < per; k++) s += cum[k] * (input[o + k] - baselines[o + k]);
        attributionSum[p] = s;
        output[p] = values[i];
        if (j % every === 0) {
          const at = (e * G + j / every) * per;
          for (let k = 0; k < per; k++) {
            inputs[at + k] = baselines[o + k] + fine[j] * (input[o + k] - baselines[o + k]);
            cumulative[at + k] = cum[k] * (input[o + k] - baselines[o + k]);
          }
          gradients.set(g, at);
        }
      }
    },
  );
  const fx = new Float64Array(n);
  const fBaseline = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    fBaseline[e] = output[e * points];
    fx[e] = output[e * points + M];
  }
  return {
    alphas: Array.from({ length: G }, (_, k) => fine[k * every]),
    shape: [n, G, ...model.inputShape],
    inputs,
    gradients,
    cumulative,
    curve: { alphas: fine, output, attributionSum },
    fx,
    fBaseline,
    target: target.label,
    baseline: describeBaseline(baselineSpec),
    timings: runner.finish(),
  };
}
