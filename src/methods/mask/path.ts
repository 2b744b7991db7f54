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

/** A path's score, with its points' model outputs (steps x outputs) when kept. */
interface Scored {
  value: number;
  logits?: Float32Array;
}

/** Keep a path's outputs for a later gradient of the same path only up to this many values (memory). */
const KEEP_LOGITS = 1 << 20;

async function scorePath(spec: PathSpec, image: Float32Array, baseline: Float32Array, mask: Float64Array, rng: Rng | undefined, keep: boolean): Promise<Scored> {
  const { runner, steps } = spec;
  const per = runner.per, out = runner.outSize;
  const buffer = new Float32Array(Math.min(steps, runner.batch) * per);
  const logits = keep && steps * out <= KEEP_LOGITS ? new Float32Array(steps * out) : undefined;
  let total = 0;
  for (let start = 0; start < steps; start += runner.batch) {
    const m = Math.min(runner.batch, steps - start);
    for (let i = 0; i < m; i++) fillPoint(spec, image, baseline, mask, start + i, rng, buffer.subarray(i * per, (i + 1) * per));
    const chunk = await runner.forward(buffer.subarray(0, m * per));
    for (let i = 0; i < m; i++) total += runner.target.value(chunk.subarray(i * out, (i + 1) * out), spec.example);
    logits?.set(chunk, start * out);
  }
  return { value: total / steps, logits };
}

/** Mean target value along the path (forward passes only). */
export async function pathScore(spec: PathSpec, image: Float32Array, baseline: Float32Array, mask: Float64Array, rng?: Rng): Promise<number> {
  return (await scorePath(spec, image, baseline, mask, rng, false)).value;
}

/**
 * Mean target value along the path and its gradient with respect to the image-space mask. The target's
 * cotangents come from the points' forward outputs: `logits` when the caller has them (the same path
 * scored before, without noise), else a forward pass here (what the engine would run first anyway).
 * Returns the outputs too (`logits`, when the target needs them).
 */
export async function pathGradient(
  spec: PathSpec,
  image: Float32Array,
  baseline: Float32Array,
  mask: Float64Array,
  rng?: Rng,
  logits?: Float32Array,
): Promise<{ value: number; grad: Float64Array; logits?: Float32Array }> {
  const { runner, steps, g } = spec;
  const per = runner.per, out = runner.outSize;
  const grad = new Float64Array(g.positions);
  const [ps, cs] = strides(g);
  const { positions, channels } = g;
  const target = runner.target;
  const outputs = logits ?? (target.dependsOnOutput && steps * out <= KEEP_LOGITS ? new Float32Array(steps * out) : undefined);
  const buffer = new Float32Array(Math.min(steps, runner.batch) * per);
  let total = 0;
  for (let start = 0; start < steps; start += runner.batch) {
    const m = Math.min(runner.batch, steps - start);
    const points = buffer.subarray(0, m * per);
    for (let i = 0; i < m; i++) fillPoint(spec, image, baseline, mask, start + i, rng, points.subarray(i * per, (i + 1) * per));
    let forward = logits?.subarray(start * out, (start + m) * out);
    if (!forward && target.dependsOnOutput) {
      forward = await runner.forward(points);
      outputs?.set(forward, start * out);
    }
    const seeds = new Float32Array(m * out);
    for (let i = 0; i < m; i++) seeds.set(target.cotangent(forward?.subarray(i * out, (i + 1) * out), spec.example), i * out);
    const r = await runner.gradients(points, seeds);
    const values = forward ?? r.logits;
    for (let i = 0; i < m; i++) {
      const w = (start + i + 1) / (steps * steps);
      const gi = r.grads.subarray(i * per, (i + 1) * per);
      for (let p = 0, el0 = 0; p < positions; p++, el0 += ps) {
        let s = 0;
        for (let c = 0, el = el0; c < channels; c++, el += cs) s += (image[el] - baseline[el]) * gi[el];
        grad[p] += w * s;
      }
      total += target.value(values.subarray(i * out, (i + 1) * out), spec.example);
    }
  }
  return { value: total / steps, grad, logits: outputs };
}

type PathResult = Scored | { value: number; grad: Float64Array };

/**
 * `pathScore` and `pathGradient` remembering their last results by direction (which image
 * the path starts from) and image-space mask, when they are pure functions of the mask (no
 * path noise): a repeated mask then costs no model run, with the very same numbers. Masks
 * repeat when the optimisation stalls: candidates of the line search clamped to the current
 * mask or rounded to the previous candidate, a step that leaves the mask unchanged, and
 * I-GOS++'s first iteration (both masks 1: the product path is each mask's path). A score
 * keeps its points' outputs, so the gradient of a scored path (the line search's accepted
 * candidate, next iteration) runs no forward pass, and a gradient leaves its path's score
 * (the line search's base loss). Results are shared: do not modify them.
 */
export class PathCache {
  private readonly entries: { gradient: boolean; image: Float32Array; mask: Float64Array; result: PathResult }[] = [];
  constructor(
    readonly spec: PathSpec,
    private readonly capacity = 8,
  ) {}

  async score(image: Float32Array, baseline: Float32Array, mask: Float64Array, rng?: Rng): Promise<number> {
    if (this.spec.noise > 0) return pathScore(this.spec, image, baseline, mask, rng);
    const hit = this.find(false, image, mask);
    if (hit) return hit.result.value;
    const scored = await scorePath(this.spec, image, baseline, mask, rng, true);
    this.remember(false, image, mask, scored);
    return scored.value;
  }

  async gradient(image: Float32Array, baseline: Float32Array, mask: Float64Array, rng?: Rng): Promise<{ value: number; grad: Float64Array }> {
    if (this.spec.noise > 0) return pathGradient(this.spec, image, baseline, mask, rng);
    const hit = this.find(true, image, mask);
    if (hit) return hit.result as { value: number; grad: Float64Array };
    const scored = this.find(false, image, mask)?.result as Scored | undefined;
    const result = await pathGradient(this.spec, image, baseline, mask, rng, scored?.logits);
    if (!scored && result.logits) this.remember(false, image, mask, { value: result.value, logits: result.logits });
    this.remember(true, image, mask, { value: result.value, grad: result.grad });
    return result;
  }

  private find(gradient: boolean, image: Float32Array, mask: Float64Array) {
    const hit = this.entries.findIndex((en) => en.gradient === gradient && en.image === image && equal(en.mask, mask));
    if (hit < 0) return undefined;
    const [entry] = this.entries.splice(hit, 1);
    this.entries.unshift(entry);
    return entry;
  }

  private remember(gradient: boolean, image: Float32Array, mask: Float64Array, result: PathResult): void {
    this.entries.unshift({ gradient, image, mask: Float64Array.from(mask), result });
    if (this.entries.length > this.capacity) this.entries.pop();
  }
}

function equal(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
