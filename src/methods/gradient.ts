/**
 * Vanilla gradient ("saliency", Simonyan et al.): d target / d input, signed by default
 * (raw scores; Captum's Saliency takes the absolute value by default), or absolute.
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import type { Attribution, CommonOptions } from './attribution.js';
import { Runner } from './runner.js';

export interface GradientOptions extends CommonOptions {
  /** Take |gradient| (Captum's Saliency default). Default false. */
  absolute?: boolean;
}

/** Gradients and target values at the inputs themselves. */
export async function gradientsAt(runner: Runner, input: Float32Array): Promise<{ grads: Float32Array; values: Float32Array }> {
  const grads = new Float32Array(input.length);
  const values = new Float32Array(input.length / runner.per);
  await runner.stream(
    values.length,
    (i) => i,
    (i, dest) => dest.set(input.subarray(i * runner.per, (i + 1) * runner.per)),
    (start, m, g, v) => {
      grads.set(g, start * runner.per);
      values.set(v, start);
    },
  );
  return { grads, values };
}

export async function gradient(model: Model, input: Float32Array, options: GradientOptions = {}): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const { grads } = await gradientsAt(runner, input);
  if (options.absolute) for (let i = 0; i < grads.length; i++) grads[i] = Math.abs(grads[i]);
  return {
    values: grads,
    shape: [n, ...model.inputShape],
    method: 'gradient',
    params: { absolute: options.absolute ?? false, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}
