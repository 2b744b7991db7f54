/**
 * The plain gradient: op type -> backward rule. A variant (guided backprop, deconvnet,
 * LRP ...) is `{ ...gradientRules, Relu: guidedRelu }`.
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

