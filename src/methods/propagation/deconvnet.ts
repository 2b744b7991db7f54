/**
 * Deconvnet (Zeiler & Fergus 2014): the gradient of the target, except that every
 * ReLU-like op (Relu, Clip as ReLU6, LeakyRelu, PRelu, HardSwish, HardSigmoid) passes the
 * positive part of the incoming gradient with no forward mask: Relu(dY). The rules are the
 * 'deconvnet' rule set (graph/rules/guided.ts). On plain-ReLU models this is Captum's
 * Deconvolution.
 */
import type { Model } from '../../engine/model.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { propagate, propagationResult } from './propagate.js';

export async function deconvnet(model: Model, input: Float32Array, options: CommonOptions = {}): Promise<Attribution> {
  const p = await propagate(model, input, 'deconvnet', options);
  return propagationResult(model, p, 'deconvnet', {});
}

export const descriptor = defineMethod({
  name: 'deconvnet',
  aliases: ['deconvolution', 'deconv'],
  title: 'Deconvnet',
  family: 'propagation',
  summary: 'Gradient passing the positive part of the incoming gradient through ReLU-like ops, no forward mask (Zeiler & Fergus 2014)',
  needs: { gradients: true, rule: true },
  options: {},
  random: false,
  cost: (n) => n,
  run: (model, input, _options, context) => deconvnet(model, input, { target: context.target, batchSize: context.batchSize }),
  order: 11,
});
