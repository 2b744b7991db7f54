/**
 * Guided backpropagation (Springenberg et al. 2015, "Striving for simplicity"): the
 * gradient of the target, except that every ReLU-like op (Relu, Clip as ReLU6, LeakyRelu,
 * PRelu, HardSwish, HardSigmoid) passes only the positive part of its own backward
 * (forward mask and positive gradient). The rules are the 'guided' rule set
 * (graph/rules/guided.ts); they act on ONNX op types, so MobileNet's ReLU6 is covered.
 * On plain-ReLU models this is Captum's GuidedBackprop.
 */
import type { Model } from '../../engine/model.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { propagate, propagationResult } from './propagate.js';

export async function guidedBackprop(model: Model, input: Float32Array, options: CommonOptions = {}): Promise<Attribution> {
  const p = await propagate(model, input, 'guided', options);
  return propagationResult(model, p, 'guidedBackprop', {});
}

export const descriptor = defineMethod({
  name: 'guidedbackprop',
  aliases: ['guided', 'guidedbackpropagation', 'guided-backprop', 'gbp'],
  title: 'Guided Backpropagation',
  family: 'propagation',
  summary: 'Gradient passing only positive gradients through ReLU-like ops, with the forward mask (Springenberg et al. 2015)',
  needs: { gradients: true, rule: true },
  options: {},
  random: false,
  cost: (n) => n,
  run: (model, input, _options, context) => guidedBackprop(model, input, { target: context.target, batchSize: context.batchSize }),
  order: 10,
});
