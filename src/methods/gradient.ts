/**
 * Vanilla gradient ("saliency", Simonyan et al.): d target / d input, signed by default
 * (raw scores; Captum's Saliency takes the absolute value by default), or absolute.
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import type { Attribution, CommonOptions } from './attribution.js';
import { Runner } from './runner.js';
import { defineMethod } from './descriptor.js';

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
  const absolute = options.absolute ?? descriptor.options.absolute.default;
  if (absolute) for (let i = 0; i < grads.length; i++) grads[i] = Math.abs(grads[i]);
  return {
    values: grads,
    shape: [n, ...model.inputShape],
    method: 'gradient',
    params: { absolute, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'gradient',
  aliases: ['grad', 'saliency', 'vanilla', 'vanillagradient'],
  title: 'Gradient',
  family: 'gradient',
  summary: 'd target / d input: the vanilla gradient map (Simonyan et al. 2014)',
  needs: { gradients: true },
  options: {
    absolute: { kind: 'boolean', default: false, description: "take |gradient| (Captum's Saliency default)" },
  },
  random: false,
  cost: (n) => n,
  run: (model, input, o, c) => gradient(model, input, { target: c.target, batchSize: c.batchSize, absolute: o.absolute }),
  order: 10,
});
