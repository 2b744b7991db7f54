/**
 * Rule sets: op type -> backward rule. A rule set is a plain object, so a variant
 * (guided backprop, deconvnet, LRP ...) is `{ ...gradientRules, Relu: guidedRelu }`.
 */
import type { RuleSet } from '../autodiff.js';
import * as ew from './elementwise.js';
import * as lin from './linear.js';
import * as pool from './pool.js';
import * as norm from './norm.js';
import * as shape from './shape.js';

export const gradientRules: RuleSet = {
  // linear
  Conv: lin.conv,
  ConvTranspose: lin.convTranspose,
  Gemm: lin.gemm,
  MatMul: lin.matMul,
  // arithmetic
  Add: ew.add,
  Sub: ew.sub,
  Mul: ew.mul,
  Div: ew.div,
  Pow: ew.pow,
  Sum: ew.sum,
  Mean: ew.mean,
  Neg: ew.neg,
  Exp: ew.exp,
  Log: ew.log,
  Sqrt: ew.sqrt,
  Reciprocal: ew.reciprocal,
  Abs: ew.abs,
  Identity: ew.identity,
  Dropout: ew.dropout,
  Cast: ew.cast,
  // activations
  Relu: ew.relu,
  LeakyRelu: ew.leakyRelu,
  PRelu: ew.prelu,
  Clip: ew.clip,
  Sigmoid: ew.sigmoid,
  Tanh: ew.tanh,
  Softmax: ew.softmax,
  LogSoftmax: ew.logSoftmax,
  Softplus: ew.softplus,
  Erf: ew.erf,
  Gelu: ew.gelu,
  HardSigmoid: ew.hardSigmoid,
  HardSwish: ew.hardSwish,
  // pooling and reductions
  ...pool.poolRules,
  // normalisation
  ...norm.normRules,
  // data movement
  ...shape.shapeRules,
};

/** Op types that have a backward rule in the plain gradient rule set. */
export function supportedOps(rules: RuleSet = gradientRules): string[] {
  return Object.keys(rules).sort();
}

const registry = new Map<string, RuleSet>([['gradient', gradientRules]]);

/** Make a rule set available by name to engines (guided backprop, LRP ... register theirs). */
export function registerRuleSet(name: string, rules: RuleSet): void {
  registry.set(name, rules);
}

export function ruleSet(name: string): RuleSet {
  const r = registry.get(name);
  if (!r) throw new Error(`unknown backward rule set '${name}'; known: ${[...registry.keys()].join(', ')}`);
  return r;
}
