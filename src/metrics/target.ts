/**
 * The scalar a metric reads from the model: the explained class's logit or its softmax
 * probability (RISE's deletion/insertion use the probability), or any Target as given.
 */
import type { Model, Target } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { classLogit, classProbability } from '../targets/index.js';
import type { TargetSpec } from '../methods/attribution.js';

export type MetricOutput = 'logit' | 'probability';

export function metricTarget(model: Model, spec: TargetSpec, output: MetricOutput = 'logit'): Target {
  if (typeof spec === 'number' || Array.isArray(spec)) {
    const size = sizeOfShape(model.outputShape);
    return output === 'probability' ? classProbability(spec as number | number[], size) : classLogit(spec as number | number[], size);
  }
  return spec as Target;
}

/** The class of each input named by a target spec (for accuracy-type metrics), or undefined for a custom Target. */
export function targetClasses(spec: TargetSpec, n: number): number[] | undefined {
  if (typeof spec === 'number') return new Array(n).fill(spec);
  if (Array.isArray(spec)) return [...(spec as number[])];
  return undefined;
}

/** Target values at the inputs themselves, in chunks. */
export async function targetValues(model: Model, input: Float32Array, target: Target, batchSize: number): Promise<Float64Array> {
  const per = sizeOfShape(model.inputShape);
  const outSize = sizeOfShape(model.outputShape);
  const n = input.length / per;
  const out = new Float64Array(n);
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const logits = (await model.run(input.subarray(s * per, (s + m) * per), { outputs: ['logits'] }))['logits'];
    for (let i = 0; i < m; i++) out[s + i] = target.value(logits.subarray(i * outSize, (i + 1) * outSize), s + i);
  }
  return out;
}

/** Predicted class (argmax of the output) of each input, in chunks. */
export async function predictedClasses(model: Model, input: Float32Array, batchSize: number): Promise<Int32Array> {
  const per = sizeOfShape(model.inputShape);
  const outSize = sizeOfShape(model.outputShape);
  const n = input.length / per;
  const out = new Int32Array(n);
  for (let s = 0; s < n; s += batchSize) {
    const m = Math.min(batchSize, n - s);
    const logits = (await model.run(input.subarray(s * per, (s + m) * per), { outputs: ['logits'] }))['logits'];
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let k = 1; k < outSize; k++) if (logits[i * outSize + k] > logits[i * outSize + best]) best = k;
      out[s + i] = best;
    }
  }
  return out;
}

/**
 * Target values of `count` points built one batch at a time into one reused buffer:
 * `fill(i, dest)` writes point i, which is read as input `exampleOf(i)`.
 */
export async function streamTargetValues(
  model: Model,
  target: Target,
  count: number,
  batchSize: number,
  exampleOf: (i: number) => number,
  fill: (i: number, dest: Float32Array) => void,
  progress?: (done: number, total: number) => void,
): Promise<Float64Array> {
  const per = sizeOfShape(model.inputShape);
  const outSize = sizeOfShape(model.outputShape);
  const out = new Float64Array(count);
  const buffer = new Float32Array(Math.min(batchSize, count) * per);
  for (let start = 0; start < count; start += batchSize) {
    const m = Math.min(batchSize, count - start);
    const points = buffer.subarray(0, m * per);
    for (let i = 0; i < m; i++) fill(start + i, points.subarray(i * per, (i + 1) * per));
    const logits = (await model.run(points, { outputs: ['logits'] }))['logits'];
    for (let i = 0; i < m; i++) out[start + i] = target.value(logits.subarray(i * outSize, (i + 1) * outSize), exampleOf(start + i));
    progress?.(start + m, count);
  }
  return out;
}
