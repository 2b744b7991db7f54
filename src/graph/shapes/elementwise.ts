/**
 * Shape rules: Elementwise ops: unary maths and binary / variadic arithmetic, comparisons and logic, with constant folding.
 */
import type { DType, Tensor } from '../ir.js';
import { attrFloat, attrInt, attrString } from '../ir.js';
import { dtypeFromCode } from '../onnx.js';
import { isFloat, at, withDims, roundHalfEven } from './fold.js';
import { Ctx, broadcast, foldElementwise, rule } from './context.js';

// --- elementwise unary -----------------------------------------------------

const UNARY_FOLD: Record<string, (x: number, c: Ctx) => number> = {
  Identity: (x) => x,
  Neg: (x) => -x,
  Abs: (x) => Math.abs(x),
  Floor: (x) => Math.floor(x),
  Ceil: (x) => Math.ceil(x),
  Round: (x) => roundHalfEven(x),
  Sqrt: (x) => Math.sqrt(x),
  Exp: (x) => Math.exp(x),
  Log: (x) => Math.log(x),
  Reciprocal: (x) => 1 / x,
  Sign: (x) => Math.sign(x),
  Relu: (x) => Math.max(0, x),
  Not: (x) => (x ? 0 : 1),
};

rule(
  [
    'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Erf', 'Gelu', 'HardSigmoid', 'HardSwish', 'Exp', 'Log', 'Sqrt', 'Neg',
    'Abs', 'Reciprocal', 'Sign', 'Identity', 'Softplus', 'Softsign', 'Elu', 'Selu', 'Celu', 'Mish', 'Not', 'Floor',
    'Ceil', 'Round', 'ThresholdedRelu', 'Shrink', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh',
    'Asinh', 'Acosh', 'Atanh', 'LRN', 'MeanVarianceNormalization', 'Trilu', 'EyeLike', 'BitwiseNot',
  ],
  (c: Ctx) => {
    const x = c.shape(0);
    let dtype = c.dtype(0);
    if (c.node.opType === 'EyeLike') {
      const d = attrInt(c.node, 'dtype');
      if (d !== undefined) dtype = dtypeFromCode(d);
    }
    const f = UNARY_FOLD[c.node.opType];
    let value: Tensor | undefined;
    const v = c.value(0);
    if (f && v) {
      if (c.node.opType === 'Identity') value = v;
      else value = foldElementwise([v], x, dtype, (xs) => f(xs[0], c));
    }
    c.out(0, x, dtype, value);
  },
);

rule(['IsNaN', 'IsInf'], (c: Ctx) => c.out(0, c.shape(0), 'bool'));

rule(['Softmax', 'LogSoftmax', 'Hardmax'], (c: Ctx) => {
  const x = c.shape(0);
  const axis = attrInt(c.node, 'axis', c.opset >= 13 ? -1 : 1);
  if (x.length > 0) c.axis(axis, x.length);
  c.out(0, x, c.dtype(0));
});

rule('CumSum', (c: Ctx) => {
  const x = c.shape(0);
  const axis = c.ints(1, 'axis');
  if (x.length > 0) c.axis(axis[0], x.length);
  c.out(0, x, c.dtype(0));
});

rule('PRelu', (c: Ctx) => {
  const x = c.shape(0);
  // Unidirectional broadcast of the slope to X (before opset 7 a [C] slope meant per channel).
  if (c.opset >= 7) {
    const b = broadcast(c, [x, c.shape(1)]);
    if (b.length !== x.length || b.some((d, i) => d !== x[i])) c.fail(`slope [${c.shape(1).join(', ')}] does not broadcast to X [${x.join(', ')}]`);
  }
  c.out(0, x, c.dtype(0));
});

rule('Clip', (c: Ctx) => {
  const x = c.shape(0);
  let lo = -Infinity;
  let hi = Infinity;
  let known = true;
  if (c.opset >= 11) {
    if (c.has(1)) {
      const v = c.value(1);
      if (v) lo = Number(v.data[0]);
      else known = false;
    }
    if (c.has(2)) {
      const v = c.value(2);
      if (v) hi = Number(v.data[0]);
      else known = false;
    }
  } else {
    lo = attrFloat(c.node, 'min', -Infinity);
    hi = attrFloat(c.node, 'max', Infinity);
  }
  const v = c.value(0);
  const value = known && v ? foldElementwise([v], x, c.dtype(0), (xs) => Math.min(hi, Math.max(lo, xs[0]))) : undefined;
  c.out(0, x, c.dtype(0), value);
});

rule('Dropout', (c: Ctx) => {
  const x = c.shape(0);
  c.out(0, x, c.dtype(0), c.value(0));
  if (c.wants(1)) c.out(1, x, 'bool');
});

// --- elementwise binary / variadic ------------------------------------------

const BINARY: Record<string, { dtype?: DType; fn: (xs: number[], intOut: boolean, c: Ctx) => number }> = {
  Add: { fn: (x) => x[0] + x[1] },
  Sub: { fn: (x) => x[0] - x[1] },
  Mul: { fn: (x) => x[0] * x[1] },
  Div: { fn: (x, i) => (i ? Math.trunc(x[0] / x[1]) : x[0] / x[1]) },
  Pow: { fn: (x) => Math.pow(x[0], x[1]) },
  Mod: {
    fn: (x, i, c) => {
      if (attrInt(c.node, 'fmod', 0) === 1 || !i) return x[0] % x[1];
      const r = x[0] % x[1];
      return r !== 0 && r < 0 !== x[1] < 0 ? r + x[1] : r;
    },
  },
  Max: { fn: (x) => Math.max(...x) },
  Min: { fn: (x) => Math.min(...x) },
  Sum: { fn: (x) => x.reduce((a, b) => a + b, 0) },
  Mean: { fn: (x) => x.reduce((a, b) => a + b, 0) / x.length },
  Equal: { dtype: 'bool', fn: (x) => (x[0] === x[1] ? 1 : 0) },
  Greater: { dtype: 'bool', fn: (x) => (x[0] > x[1] ? 1 : 0) },
  Less: { dtype: 'bool', fn: (x) => (x[0] < x[1] ? 1 : 0) },
  GreaterOrEqual: { dtype: 'bool', fn: (x) => (x[0] >= x[1] ? 1 : 0) },
  LessOrEqual: { dtype: 'bool', fn: (x) => (x[0] <= x[1] ? 1 : 0) },
  And: { dtype: 'bool', fn: (x) => (x[0] && x[1] ? 1 : 0) },
  Or: { dtype: 'bool', fn: (x) => (x[0] || x[1] ? 1 : 0) },
  Xor: { dtype: 'bool', fn: (x) => (!x[0] !== !x[1] ? 1 : 0) },
  BitShift: {
    fn: (x, _i, c) => (attrString(c.node, 'direction', 'LEFT') === 'LEFT' ? x[0] * 2 ** x[1] : Math.floor(x[0] / 2 ** x[1])),
  },
  BitwiseAnd: { fn: (x) => x[0] & x[1] },
  BitwiseOr: { fn: (x) => x[0] | x[1] },
  BitwiseXor: { fn: (x) => x[0] ^ x[1] },
};

rule(Object.keys(BINARY), (c: Ctx) => {
  const spec = BINARY[c.node.opType];
  const idx = c.node.inputs.map((_, i) => i).filter((i) => c.has(i));
  if (idx.length === 0) c.fail('has no inputs');
  const shapes = idx.map((i) => c.shape(i));
  if (c.opset < 7 && attrInt(c.node, 'broadcast', 0) === 1 && idx.length === 2) {
    // Legacy (opset < 7) broadcasting: B is aligned at 'axis' (default: suffix).
    const a = shapes[0];
    const b = shapes[1];
    const axis = attrInt(c.node, 'axis', a.length - b.length);
    shapes[1] = a.map((_, k) => (k >= axis && k < axis + b.length ? b[k - axis] : 1));
  }
  const out = broadcast(c, shapes);
  const dtype = spec.dtype ?? c.dtype(idx[0]);
  const inDtype = c.dtype(idx[0]);
  const values = idx.map((i) => c.value(i));
  let value: Tensor | undefined;
  if (values.every((v) => v !== undefined)) {
    const tensors = values.map((v, k) => withDims(v as Tensor, shapes[k]));
    const intOut = !isFloat(inDtype);
    value = foldElementwise(tensors, out, dtype, (xs) => spec.fn(xs, intOut, c));
  }
  c.out(0, out, dtype, value);
});

rule('Where', (c: Ctx) => {
  const out = broadcast(c, [c.shape(0), c.shape(1), c.shape(2)]);
  const dtype = c.dtype(1);
  const value = foldElementwise([c.value(0), c.value(1), c.value(2)], out, dtype, (x) => (x[0] ? x[1] : x[2]));
  c.out(0, out, dtype, value);
});
