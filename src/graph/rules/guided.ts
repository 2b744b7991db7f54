/**
 * Guided backprop (Springenberg et al. 2015) and deconvnet (Zeiler & Fergus 2014) as rule
 * sets: the plain gradient everywhere except at ReLU-like ops, which pass only positive
 * gradient.
 *
 * - guided: the op's own backward (forward mask, or slope), then its positive part:
 *   Relu(dX) with dX = the gradient rule's output (Captum's GuidedBackprop: F.relu(grad_input)).
 * - deconvnet: the positive part of the incoming gradient, with no forward mask:
 *   Relu(dY) (Captum's Deconvolution: F.relu(grad_output)).
 *
 * ReLU-like ops are matched by ONNX op type, so Clip (ReLU6 in MobileNetV2), LeakyRelu,
 * PRelu, HardSwish and HardSigmoid are covered whatever module produced them (Captum hooks
 * nn.ReLU modules only and silently skips nn.ReLU6 and functional relus).
 */
import type { BackwardRule, RuleSet } from '../autodiff.js';
import { gradientRules } from './gradient.js';

/** Op types treated as ReLU-like by the guided and deconvnet rule sets. */
export const RELU_LIKE_OPS = ['Relu', 'Clip', 'LeakyRelu', 'PRelu', 'HardSwish', 'HardSigmoid'] as const;

function guidedRule(plain: BackwardRule): BackwardRule {
  return (node, dY, ctx) => {
    const dX = plain(node, dY, ctx);
    return dX.map((g, k) => (k === 0 && g !== undefined ? ctx.op('Relu', [g]) : g));
  };
}

const deconvRule: BackwardRule = (node, [dY], ctx) => [
  ctx.needsGrad(node.inputs[0]) && dY ? ctx.op('Relu', [dY]) : undefined,
  ...node.inputs.slice(1).map(() => undefined),
];

function withReluLike(make: (op: string) => BackwardRule): RuleSet {
  const rules: Record<string, BackwardRule> = { ...gradientRules };
  for (const op of RELU_LIKE_OPS) rules[op] = make(op);
  return rules;
}

export const guidedRules: RuleSet = withReluLike((op) => guidedRule(gradientRules[op]));
export const deconvnetRules: RuleSet = withReluLike(() => deconvRule);
