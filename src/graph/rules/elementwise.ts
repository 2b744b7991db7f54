/**
 * Backward rules of elementwise ops: broadcasting arithmetic, activations, casts.
 *
 * Masks are boolean comparisons of forward values, cast to float and multiplied in: onnxruntime
 * does not fuse elementwise chains, and in onnxruntime-node 1.30 on a [16,96,56,56] tensor
 * Greater+Cast+Mul takes ~6 ms against ~11-15 ms for Sign+Mul and ~10-14 ms for Where alone
 * (bool intermediates are a quarter of the memory traffic; Sign and Where are not vectorised).
 * Threshold conventions follow PyTorch (gradient 0 exactly at the kink).
 */
import type { Node } from '../ir.js';
import { attrFloat, attrInt, attrString, tensorNumbers } from '../ir.js';
import type { BackwardRule, GradContext } from '../autodiff.js';
import { dtypeCode } from '../onnx.js';

const unb = (ctx: GradContext, node: Node, k: number, g: string): string | undefined =>
  ctx.needsGrad(node.inputs[k]) ? ctx.unbroadcast(g, ctx.shape(node.outputs[0]), ctx.shape(node.inputs[k])) : undefined;

const scalarOf = (ctx: GradContext, x: string, v: number) => ctx.scalar(v, ctx.dtype(x));

/** Sign(t) (t has the dtype of the forward tensor `like`); before opset 9, which has no Sign, from comparisons. */
export function sign(ctx: GradContext, t: string, like: string): string {
  if (ctx.opset >= 9) return ctx.op('Sign', [t]);
  const to = dtypeCode(ctx.dtype(like));
  const zero = scalarOf(ctx, like, 0);
  return ctx.op('Sub', [ctx.op('Cast', [ctx.op('Greater', [t, zero])], { to }), ctx.op('Cast', [ctx.op('Less', [t, zero])], { to })]);
}

/** 1 where lo < t < hi (either bound optional), else 0, in the float type of t. */
export function openIntervalMask(ctx: GradContext, t: string, lo: number | undefined, hi: number | undefined): string {
  const conds: string[] = [];
  if (lo !== undefined && lo > -Infinity) conds.push(ctx.op('Greater', [t, scalarOf(ctx, t, lo)]));
  if (hi !== undefined && hi < Infinity) conds.push(ctx.op('Less', [t, scalarOf(ctx, t, hi)]));
  if (conds.length === 0) return scalarOf(ctx, t, 1);
  const cond = conds.length === 2 ? ctx.op('And', conds) : conds[0];
  return ctx.op('Cast', [cond], { to: dtypeCode(ctx.dtype(t)) });
}

/** Where(cond, a, b); before opset 9, which has no Where, as b + cond * (a - b). */
function select(ctx: GradContext, cond: string, a: string, b: string, like: string): string {
  if (ctx.opset >= 9) return ctx.op('Where', [cond, a, b]);
  const mask = ctx.op('Cast', [cond], { to: dtypeCode(ctx.dtype(like)) });
  return ctx.op('Add', [b, ctx.op('Mul', [mask, ctx.op('Sub', [a, b])])]);
}

/**
 * -g, negated after the broadcast reduction: the same numbers (a sum of negated terms is the
 * negated sum exactly, rounding being symmetric) with one Neg over the small tensor instead of
 * the broadcast one.
 */
const negated = (ctx: GradContext, g: string): string => ctx.op('Neg', [g]);

export const add: BackwardRule = (node, [dY], ctx) => [unb(ctx, node, 0, dY!), unb(ctx, node, 1, dY!)];

export const sub: BackwardRule = (node, [dY], ctx) => [
  unb(ctx, node, 0, dY!),
  ctx.needsGrad(node.inputs[1]) ? negated(ctx, unb(ctx, node, 1, dY!)!) : undefined,
];

export const mul: BackwardRule = (node, [dY], ctx) => {
  const [a, b] = node.inputs;
  return [
    ctx.needsGrad(a) ? unb(ctx, node, 0, ctx.op('Mul', [dY!, b])) : undefined,
    ctx.needsGrad(b) ? unb(ctx, node, 1, ctx.op('Mul', [dY!, a])) : undefined,
  ];
};

export const div: BackwardRule = (node, [dY], ctx) => {
  const [a, b] = node.inputs;
  const y = node.outputs[0];
  return [
    ctx.needsGrad(a) ? unb(ctx, node, 0, ctx.op('Div', [dY!, b])) : undefined,
    // d(a/b)/db = -y/b
    ctx.needsGrad(b) ? negated(ctx, unb(ctx, node, 1, ctx.op('Div', [ctx.op('Mul', [dY!, y]), b]))!) : undefined,
  ];
};

export const pow: BackwardRule = (node, [dY], ctx) => {
  const [x, e] = node.inputs;
  if (ctx.needsGrad(e)) throw new Error('gradient with respect to the exponent of Pow is not supported');
  const ev = ctx.constantValue(e);
  let local: string;
  if (ev && ev.data.length === 1) {
    const p = tensorNumbers(ev)[0];
    if (p === 2) local = ctx.op('Mul', [x, scalarOf(ctx, x, 2)]);
    else if (p === 1) local = scalarOf(ctx, x, 1);
    else local = ctx.op('Mul', [ctx.op('Pow', [x, scalarOf(ctx, x, p - 1)]), scalarOf(ctx, x, p)]);
  } else {
    const eCast = ctx.dtype(e) === ctx.dtype(x) ? e : ctx.op('Cast', [e], { to: dtypeCode(ctx.dtype(x)) });
    local = ctx.op('Mul', [ctx.op('Pow', [x, ctx.op('Sub', [eCast, scalarOf(ctx, x, 1)])]), eCast]);
  }
  return [unb(ctx, node, 0, ctx.op('Mul', [dY!, local])), undefined];
};

/** Variadic Sum / Mean. */
export const sum: BackwardRule = (node, [dY], ctx) => node.inputs.map((_, k) => unb(ctx, node, k, dY!));
export const mean: BackwardRule = (node, [dY], ctx) => {
  const scaled = ctx.op('Mul', [dY!, scalarOf(ctx, node.outputs[0], 1 / node.inputs.length)]);
  return node.inputs.map((_, k) => unb(ctx, node, k, scaled));
};

export const identity: BackwardRule = (_node, [dY]) => [dY];
/** Dropout at inference is the identity (ratio and training_mode inputs get nothing). */
export const dropout: BackwardRule = (node, [dY]) => [dY, ...node.inputs.slice(1).map(() => undefined)];

export const cast: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  if (ctx.dtype(x) === ctx.dtype(node.outputs[0])) return [dY];
  const codes: Record<string, number> = { float32: 1, float16: 10, float64: 11, bfloat16: 16 };
  return [ctx.op('Cast', [dY!], { to: codes[ctx.dtype(x)] })];
};

export const neg: BackwardRule = (_node, [dY], ctx) => [ctx.op('Neg', [dY!])];
export const exp: BackwardRule = (node, [dY], ctx) => [ctx.op('Mul', [dY!, node.outputs[0]])];
export const log: BackwardRule = (node, [dY], ctx) => [ctx.op('Div', [dY!, node.inputs[0]])];
export const sqrt: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  return [ctx.op('Div', [dY!, ctx.op('Mul', [y, scalarOf(ctx, y, 2)])])];
};
export const reciprocal: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  return [ctx.op('Neg', [ctx.op('Mul', [dY!, ctx.op('Mul', [y, y])])])];
};
export const abs: BackwardRule = (node, [dY], ctx) => [ctx.op('Mul', [dY!, sign(ctx, node.inputs[0], node.inputs[0])])];
export const softplus: BackwardRule = (node, [dY], ctx) => [ctx.op('Mul', [dY!, ctx.op('Sigmoid', [node.inputs[0]])])];

// --- activations ------------------------------------------------------------

/** ReLU: the output is positive exactly where the gradient passes. */
export const relu: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  // dY * Cast(y > 0): onnxruntime's Where is slower than Cast + Mul despite the extra pass
  // (1 thread: 14.7 against 12.4 ms CPU on [16,64,56,56], 2.3 against 1.9 on [64,16,28,28];
  // 2 threads: 28 against 17 ms; 2026-11-26). A masked-out gradient is a zero of dY's sign.
  return [ctx.op('Mul', [dY!, openIntervalMask(ctx, y, 0, undefined)])];
};

export const leakyRelu: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  const alpha = attrFloat(node, 'alpha', 0.01);
  const positive = ctx.op('Greater', [x, scalarOf(ctx, x, 0)]);
  return [select(ctx, positive, dY!, ctx.op('Mul', [dY!, scalarOf(ctx, x, alpha)]), x)];
};

export const prelu: BackwardRule = (node, [dY], ctx) => {
  const [x, slope] = node.inputs;
  if (ctx.needsGrad(slope)) throw new Error('gradient with respect to the PRelu slope is not supported');
  const positive = ctx.op('Greater', [x, scalarOf(ctx, x, 0)]);
  return [select(ctx, positive, dY!, ctx.op('Mul', [dY!, slope]), x), undefined];
};

/** Clip bounds from attributes (opset < 11) or constant inputs. */
function clipBounds(node: Node, ctx: GradContext): { min?: number; max?: number } {
  if (ctx.opset < 11 && node.inputs.length === 1) {
    return { min: attrFloat(node, 'min'), max: attrFloat(node, 'max') };
  }
  const read = (name: string | undefined) => {
    if (!name) return undefined;
    const v = ctx.constantValue(name);
    if (!v) throw new Error(`Clip bound '${name}' is not a constant`);
    return tensorNumbers(v)[0];
  };
  return { min: read(node.inputs[1]), max: read(node.inputs[2]) };
}

/**
 * Clip (ReLU6 is Clip(0, 6)): gradient passes strictly inside (min, max), as PyTorch's
 * hardtanh backward. Since y is clamped to [min, max], min < y < max exactly where min < x < max.
 */
export const clip: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  const { min, max } = clipBounds(node, ctx);
  if ((min === undefined || min === -Infinity) && (max === undefined || max === Infinity)) return [dY, undefined, undefined];
  return [ctx.op('Mul', [dY!, openIntervalMask(ctx, y, min, max)]), undefined, undefined];
};

export const sigmoid: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  return [ctx.op('Mul', [dY!, ctx.op('Mul', [y, ctx.op('Sub', [scalarOf(ctx, y, 1), y])])])];
};

export const tanh: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  return [ctx.op('Mul', [dY!, ctx.op('Sub', [scalarOf(ctx, y, 1), ctx.op('Mul', [y, y])])])];
};

/** Axes a (Log)Softmax normalises over: one axis from opset 13, the flattened tail before. */
/** The axes a Softmax / LogSoftmax normalises over (one axis from opset 13; the flattened tail before). */
export function softmaxAxes(node: Node, ctx: GradContext): number[] {
  const rank = ctx.shape(node.inputs[0]).length;
  let axis = attrInt(node, 'axis', ctx.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  if (ctx.opset >= 13) return [axis];
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}

export const softmax: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  const dot = ctx.reduceSum(ctx.op('Mul', [dY!, y]), softmaxAxes(node, ctx), true);
  return [ctx.op('Mul', [y, ctx.op('Sub', [dY!, dot])])];
};

export const logSoftmax: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  const total = ctx.reduceSum(dY!, softmaxAxes(node, ctx), true);
  return [ctx.op('Sub', [dY!, ctx.op('Mul', [ctx.op('Exp', [y]), total])])];
};

export const erf: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  const gauss = ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]);
  return [ctx.op('Mul', [dY!, ctx.op('Mul', [gauss, scalarOf(ctx, x, 2 / Math.sqrt(Math.PI))])])];
};

export const gelu: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  const s = (v: number) => scalarOf(ctx, x, v);
  if (attrString(node, 'approximate', 'none') === 'tanh') {
    // y = 0.5 x (1 + tanh(u)), u = c (x + 0.044715 x^3)
    const c = Math.sqrt(2 / Math.PI);
    const x2 = ctx.op('Mul', [x, x]);
    const u = ctx.op('Mul', [ctx.op('Mul', [x, ctx.op('Add', [s(1), ctx.op('Mul', [x2, s(0.044715)])])]), s(c)]);
    const t = ctx.op('Tanh', [u]);
    const du = ctx.op('Mul', [ctx.op('Add', [s(1), ctx.op('Mul', [x2, s(3 * 0.044715)])]), s(c)]);
    const sech2 = ctx.op('Sub', [s(1), ctx.op('Mul', [t, t])]);
    const d = ctx.op('Add', [
      ctx.op('Mul', [ctx.op('Add', [s(1), t]), s(0.5)]),
      ctx.op('Mul', [ctx.op('Mul', [x, s(0.5)]), ctx.op('Mul', [sech2, du])]),
    ]);
    return [ctx.op('Mul', [dY!, d])];
  }
  // d/dx x Phi(x) = Phi(x) + x phi(x)
  const cdf = ctx.op('Mul', [ctx.op('Add', [s(1), ctx.op('Erf', [ctx.op('Mul', [x, s(Math.SQRT1_2)])])]), s(0.5)]);
  const pdf = ctx.op('Mul', [ctx.op('Exp', [ctx.op('Mul', [ctx.op('Mul', [x, x]), s(-0.5)])]), s(1 / Math.sqrt(2 * Math.PI))]);
  return [ctx.op('Mul', [dY!, ctx.op('Add', [cdf, ctx.op('Mul', [x, pdf])])])];
};

/** HardSigmoid: slope alpha strictly inside (0, 1), as PyTorch's hardsigmoid backward. */
export const hardSigmoid: BackwardRule = (node, [dY], ctx) => {
  const y = node.outputs[0];
  const alpha = attrFloat(node, 'alpha', 0.2);
  const inside = openIntervalMask(ctx, y, 0, 1);
  return [ctx.op('Mul', [dY!, ctx.op('Mul', [inside, scalarOf(ctx, y, alpha)])])];
};

/** HardSwish: 0 below -3, x/3 + 1/2 on [-3, 3], 1 above (PyTorch's hardswish_backward). */
export const hardSwish: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  const s = (v: number) => scalarOf(ctx, x, v);
  const middle = ctx.op('Add', [ctx.op('Mul', [x, s(1 / 3)]), s(0.5)]);
  const upper = ctx.op('Where', [ctx.op('LessOrEqual', [x, s(3)]), middle, s(1)]);
  const d = ctx.op('Where', [ctx.op('Less', [x, s(-3)]), s(0), upper]);
  return [ctx.op('Mul', [dY!, d])];
};
