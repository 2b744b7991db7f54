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

/** Element strides of a position and of a channel (element(p, c) = p * ps + c * cs for NCHW, NHWC and flat). */
function strides(g: Geometry): [number, number] {
  const e0 = g.element(0, 0);
  return [g.positions > 1 ? g.element(1, 0) - e0 : 1, g.channels > 1 ? g.element(0, 1) - e0 : 1];
}

function fillPoint(spec: PathSpec, image: Float32Array, baseline: Float32Array, mask: Float64Array, k: number, rng: Rng | undefined, dest: Float32Array): void {
  const { g } = spec;
  const a = (k + 1) / spec.steps;
  const [ps, cs] = strides(g);
  const { positions, channels } = g;
  for (let c = 0; c < channels; c++) {
    for (let p = 0, el = c * cs; p < positions; p++, el += ps) {
      const m = a * mask[p];
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
  const [ps, cs] = strides(g);
  const { positions, channels } = g;
  let value = 0;
  await runner.stream(
    steps,
    () => spec.example,
    (k, dest) => fillPoint(spec, image, baseline, mask, k, rng, dest),
    (start, m, grads, values) => {
      for (let i = 0; i < m; i++) {
        const w = (start + i + 1) / (steps * steps);
        const gi = grads.subarray(i * runner.per, (i + 1) * runner.per);
        for (let p = 0, el0 = 0; p < positions; p++, el0 += ps) {
          let s = 0;
          for (let c = 0, el = el0; c < channels; c++, el += cs) s += (image[el] - baseline[el]) * gi[el];
          grad[p] += w * s;
        }
        value += values[i] / steps;
      }
    },
  );
  return { value, grad };
}

type PathResult = number | { value: number; grad: Float64Array };

/**
 * `pathScore` and `pathGradient` remembering their last results by direction (which image
 * the path starts from) and image-space mask, when they are pure functions of the mask (no
 * path noise): a repeated mask then costs no model run, with the very same numbers. Masks
 * repeat when the optimisation stalls: candidates of the line search clamped to the current
 * mask or rounded to the previous candidate, a step that leaves the mask unchanged, and
 * I-GOS++'s first iteration (both masks 1: the product path is each mask's path).
 * Results are shared: do not modify them.
 */
export class PathCache {
  private readonly entries: { gradient: boolean; image: Float32Array; mask: Float64Array; result: PathResult }[] = [];
  constructor(
    readonly spec: PathSpec,
    private readonly capacity = 8,
  ) {}

  score(image: Float32Array, baseline: Float32Array, mask: Float64Array, rng?: Rng): Promise<number> {
    return this.recall(false, image, mask, () => pathScore(this.spec, image, baseline, mask, rng)) as Promise<number>;
  }

  gradient(image: Float32Array, baseline: Float32Array, mask: Float64Array, rng?: Rng): Promise<{ value: number; grad: Float64Array }> {
    return this.recall(true, image, mask, () => pathGradient(this.spec, image, baseline, mask, rng)) as Promise<{ value: number; grad: Float64Array }>;
  }

  private async recall(gradient: boolean, image: Float32Array, mask: Float64Array, compute: () => Promise<PathResult>): Promise<PathResult> {
    if (this.spec.noise > 0) return compute();
    const hit = this.entries.findIndex((en) => en.gradient === gradient && en.image === image && equal(en.mask, mask));
    if (hit >= 0) {
      const [entry] = this.entries.splice(hit, 1);
      this.entries.unshift(entry);
      return entry.result;
    }
    const result = await compute();
    this.entries.unshift({ gradient, image, mask: Float64Array.from(mask), result });
    if (this.entries.length > this.capacity) this.entries.pop();
    return result;
  }
}

function equal(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
