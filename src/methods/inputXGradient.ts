/**
 * Input x Gradient (Shrikumar et al.): x * d target / d x. Equal to Integrated Gradients
 * with a zero baseline for a linear model (and one step of IG in general).
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import type { Attribution, CommonOptions } from './attribution.js';
import { Runner } from './runner.js';
import { gradientsAt } from './gradient.js';
import { defineMethod } from './descriptor.js';

export async function inputXGradient(model: Model, input: Float32Array, options: CommonOptions = {}): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const { grads } = await gradientsAt(runner, input);
  for (let i = 0; i < grads.length; i++) grads[i] *= input[i];
  return {
    values: grads,
    shape: [n, ...model.inputShape],
    method: 'inputXGradient',
    params: { batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'inputxgradient',
  aliases: ['ixg', 'gradientxinput', 'gradienttimesinput', 'inputtimesgradient'],
  title: 'Input × Gradient',
  family: 'gradient',
  summary: 'x * d target / d x (Shrikumar et al. 2016); IG with a zero baseline for linear models',
  needs: { gradients: true },
  options: {},
  random: false,
  cost: (n) => n,
  run: (model, input, _o, c) => inputXGradient(model, input, { target: c.target, batchSize: c.batchSize }),
  order: 20,
});
