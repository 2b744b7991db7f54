/**
 * The masked path score every I-GOS objective is made of (the reference code's
 * `interval_score`): for a mask U over the image (1 keeps `image`, 0 takes `baseline`),
 * the mean target value over the K points
 *     p_k = image * (k/K) U + baseline * (1 - (k/K) U) + noise,   k = 1..K,
 * and its gradient with respect to U, sum_k (k/K^2) sum_c (image - baseline)_c df/dp_k,c.
 * Deletion scores the path image -> baseline; insertion swaps the two. Points are built
 * one batch at a time (memory: one batch of inputs), noise drawn from the seeded `rng`.
 */
import type { Geometry } from '../../metrics/features.js';
import type { Runner } from '../runner.js';
import type { Rng } from '../../random.js';

export interface PathSpec {
  runner: Runner;
  g: Geometry;
  /** Which input the target belongs to. */
  example: number;
  /** Integration points K (>= 1; K = 1 is the plain score of the masked image). */
  steps: number;
  /** Standard deviation of the Gaussian noise added to every point (model units); 0: none. */
  noise: number;
}

function fillPoint(spec: PathSpec, image: Float32Array, baseline: Float32Array, mask: Float64Array, k: number, rng: Rng | undefined, dest: Float32Array): void {
  const { g } = spec;
  const a = (k + 1) / spec.steps;
  for (let p = 0; p < g.positions; p++) {
    const m = a * mask[p];
    for (let c = 0; c < g.channels; c++) {
      const el = g.element(p, c);
      dest[el] = image[el] * m + baseline[el] * (1 - m);
    }
  }
  if (rng && spec.noise > 0) for (let i = 0; i < dest.length; i++) dest[i] += spec.noise * rng.normal();
}

/** Mean target value along the path (forward passes only). */
export async function pathScore(spec: PathSpec, image: Float32Array, baseline: Float32Array, mask: Float64Array, rng?: Rng): Promise<number> {
  const { runner, steps } = spec;
  const per = runner.per;
  const buffer = new Float32Array(Math.min(steps, runner.batch) * per);
  let total = 0;
  for (let start = 0; start < steps; start += runner.batch) {
    const m = Math.min(runner.batch, steps - start);
    for (let i = 0; i < m; i++) fillPoint(spec, image, baseline, mask, start + i, rng, buffer.subarray(i * per, (i + 1) * per));
    const values = await runner.values(buffer.subarray(0, m * per), () => spec.example);
    for (const v of values) total += v;
  }
  return total / steps;
}

/** Mean target value along the path and its gradient with respect to the image-space mask. */
export async function pathGradient(
  spec: PathSpec,
  image: Float32Array,
  baseline: Float32Array,
  mask: Float64Array,
  rng?: Rng,
): Promise<{ value: number; grad: Float64Array }> {
  const { runner, steps, g } = spec;
  const grad = new Float64Array(g.positions);
  let value = 0;
  await runner.stream(
    steps,
    () => spec.example,
    (k, dest) => fillPoint(spec, image, baseline, mask, k, rng, dest),
    (start, m, grads, values) => {
      for (let i = 0; i < m; i++) {
        const w = (start + i + 1) / (steps * steps);
        const gi = grads.subarray(i * runner.per, (i + 1) * runner.per);
        for (let p = 0; p < g.positions; p++) {
          let s = 0;
          for (let c = 0; c < g.channels; c++) {
            const el = g.element(p, c);
            s += (image[el] - baseline[el]) * gi[el];
          }
          grad[p] += w * s;
        }
        value += values[i] / steps;
      }
    },
  );
  return { value, grad };
}
