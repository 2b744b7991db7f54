/**
 * Backward rules of pooling and reductions: MaxPool, AveragePool, GlobalAveragePool,
 * GlobalMaxPool, ReduceMean, ReduceSum, ReduceMax/Min, ReduceL1, ReduceL2,
 * ReduceSumSquare, ReduceLogSumExp.
 *
 * Max pooling sends each window's gradient to the FIRST maximum in row-major order
 * (PyTorch's and onnxruntime's convention): the forward MaxPool is asked for its Indices
 * output too (ctx.forwardOutput: one pooling pass, not two), which onnxruntime computes
 * with exactly that tie-breaking, and dY goes to those flat indices. Disjoint windows
 * (stride >= the dilated kernel, e.g. 2x2 stride 2) put at most one value in each input
 * position: MaxUnpool writes them in one pass. Overlapping windows accumulate: a
 * ScatterElements with reduction 'add' (opset 16), a slower kernel.
 */
import type { DType, Node } from '../ir.js';
import { attrInt, attrInts, sizeOf, tensorNumbers } from '../ir.js';
import { dtypeCode } from '../onnx.js';
import type { BackwardRule, GradContext, RuleSet } from '../autodiff.js';
import { convGeometry } from './linear.js';
import { sign } from './elementwise.js';

/** A float constant in the given dtype (built as float32 and cast in-graph for half types). */
export function floatConstant(ctx: GradContext, values: ArrayLike<number>, dims: number[], dtype: DType, stem = 'const'): string {
  if (dtype === 'float64') return ctx.constant({ dtype, dims, data: Float64Array.from(values) }, stem);
  const c = ctx.constant({ dtype: 'float32', dims, data: Float32Array.from(values) }, stem);
  return dtype === 'float32' ? c : ctx.op('Cast', [c], { to: dtypeCode(dtype) });
}

/** Slice with static starts/ends, in the attribute form before opset 10. */
export function sliceStatic(ctx: GradContext, x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
  if (ctx.opset < 10) {
    if (steps && steps.some((s) => s !== 1)) throw new Error('internal: strided Slice needs opset >= 10');
    return ctx.op('Slice', [x], { starts, ends, axes });
  }
  return ctx.slice(x, starts, ends, axes, steps);
}

// --- max pooling -------------------------------------------------------------

/** Scatter-add dY at the flat indices of a MaxPool (with Indices output) over the input. */
function scatterAtIndices(ctx: GradContext, x: string, dY: string, indices: string): string {
  const xShape = ctx.shape(x);
  const n = sizeOf(xShape);
  const flatIdx = ctx.reshape(indices, [-1]);
  const flatDY = ctx.reshape(dY, [-1]);
  const scattered = ctx.op('ScatterElements', [ctx.zeros([n], ctx.dtype(x)), flatIdx, flatDY], { axis: 0, reduction: 'add' });
  return ctx.reshape(scattered, xShape);
}

function requireScatterAdd(ctx: GradContext, node: Node): void {
  if (ctx.opset < 16) {
    throw new Error(
      `the backward of ${node.opType} needs ScatterElements with reduction='add' (opset >= 16); this model uses opset ${ctx.opset}. ` +
        'Re-export the model with opset >= 13 (e.g. torch.onnx.export(..., opset_version=17)).',
    );
  }
}

/** MaxPool again, with its Indices output (flat over N*C*spatial, first max of each window). */
function maxPoolIndices(ctx: GradContext, node: Node, attrs: Node['attrs']): string {
  const plain: Record<string, Node['attrs'][string]> = { ...attrs };
  delete plain.storage_order;
  return ctx.opN('MaxPool', [node.inputs[0]], plain, 2)[1];
}

/** Windows never overlap: on every axis the stride reaches past the dilated kernel. */
function disjointWindows(kernel: number[], strides: number[], dilations: number[]): boolean {
  return kernel.every((k, i) => strides[i] >= dilations[i] * (k - 1) + 1);
}

/** dY at the flat indices: MaxUnpool when windows are disjoint (no two share an index), else a scatter-add. */
function routeToIndices(ctx: GradContext, node: Node, dY: string, indices: string, kernel: number[], strides: number[], disjoint: boolean): string {
  const x = node.inputs[0];
  // (onnxruntime's MaxUnpool is float32 only.) The explicit output shape is x's; onnxruntime
  // refuses one smaller than (out - 1) * stride + kernel - pads, which a ceil_mode window
  // running past the edge exceeds: end pads make up the difference (they move no index).
  if (disjoint && ctx.dtype(x) === 'float32') {
    const xShape = ctx.shape(x);
    const yShape = ctx.shape(node.outputs[0]);
    const over = kernel.map((k, i) => Math.max(0, (yShape[i + 2] - 1) * strides[i] + k - xShape[i + 2]));
    return ctx.op('MaxUnpool', [dY, indices, ctx.ints(xShape)], { kernel_shape: kernel, strides, pads: [...kernel.map(() => 0), ...over] });
  }
  requireScatterAdd(ctx, node);
  return scatterAtIndices(ctx, x, dY, indices);
}

export const maxPool: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  if (!dY || !ctx.needsGrad(x)) return [undefined];
  const kernel = attrInts(node, 'kernel_shape');
  if (!kernel) throw new Error(`MaxPool node '${node.name}' has no kernel_shape`);
  const ones = kernel.map(() => 1);
  const strides = attrInts(node, 'strides', ones);
  const disjoint = disjointWindows(kernel, strides, attrInts(node, 'dilations', ones));
  if (!disjoint) requireScatterAdd(ctx, node);
  // The forward node's own Indices (row-major): asked for when it has none, re-computed when it stores them column-major.
  const rowMajor = attrInt(node, 'storage_order', 0) === 0;
  const indices = rowMajor ? (node.outputs[1] || ctx.forwardOutput(node, 1)) : maxPoolIndices(ctx, node, node.attrs);
  return [routeToIndices(ctx, node, dY, indices, kernel, strides, disjoint)];
};

export const globalMaxPool: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  if (!dY || !ctx.needsGrad(x)) return [undefined];
  const kernel = ctx.shape(x).slice(2);
  const indices = maxPoolIndices(ctx, node, { kernel_shape: { kind: 'ints', value: kernel } });
  return [routeToIndices(ctx, node, dY, indices, kernel, kernel, true)];
};

// --- average pooling ---------------------------------------------------------

/** Number of window taps counted by the divisor, per output position along one axis. */
function axisCounts(out: number, inLen: number, k: number, s: number, d: number, pb: number, pe: number, includePad: boolean): number[] {
  const lo = includePad ? -pb : 0;
  const hi = includePad ? inLen + pe : inLen;
  const counts: number[] = [];
  for (let o = 0; o < out; o++) {
    let c = 0;
    for (let t = 0; t < k; t++) {
      const p = o * s - pb + t * d;
      if (p >= lo && p < hi) c++;
    }
    counts.push(c);
  }
  return counts;
}

export const averagePool: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  if (!dY || !ctx.needsGrad(x)) return [undefined];
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(node.outputs[0]);
  const dtype = ctx.dtype(x);
  const kernel = attrInts(node, 'kernel_shape');
  if (!kernel) throw new Error(`AveragePool node '${node.name}' has no kernel_shape`);
  const g = convGeometry(node, xShape, yShape, kernel);
  const includePad = attrInt(node, 'count_include_pad', 0) === 1;
  const spatial = g.spatial;
  const outDims = yShape.slice(2);
  const inDims = xShape.slice(2);

  // divisor map: a product of per-axis counts
  const perAxis = outDims.map((o, i) => axisCounts(o, inDims[i], kernel[i], g.strides[i], g.dilations[i], g.padsBegin[i], g.padsEnd[i], includePad));
  const total = sizeOf(outDims);
  const inv = new Float64Array(total);
  const idx = new Array<number>(spatial).fill(0);
  for (let p = 0; p < total; p++) {
    let c = 1;
    for (let i = 0; i < spatial; i++) c *= perAxis[i][idx[i]];
    inv[p] = c > 0 ? 1 / c : 0;
    for (let i = spatial - 1; i >= 0; i--) {
      if (++idx[i] < outDims[i]) break;
      idx[i] = 0;
    }
  }
  const uniform = inv.every((v) => v === inv[0]);
  const divisor = uniform
    ? floatConstant(ctx, [inv[0]], [], dtype, 'avgpool_scale')
    : floatConstant(ctx, inv, [1, 1, ...outDims], dtype, 'avgpool_scale');
  const scaled = ctx.op('Mul', [dY, divisor]);

  // spread over the windows: depthwise transposed convolution with a ones kernel (no padding),
  // which covers the padded input [-pb, F - pb); then crop to [0, in) and zero-fill any tail.
  const channels = xShape[1];
  const ones = floatConstant(ctx, new Array(channels * sizeOf(kernel)).fill(1), [channels, 1, ...kernel], dtype, 'avgpool_ones');
  const full = ctx.op('ConvTranspose', [scaled, ones], {
    group: channels,
    kernel_shape: kernel,
    strides: g.strides,
    dilations: g.dilations,
  });
  const fullDims = outDims.map((o, i) => (o - 1) * g.strides[i] + g.dilations[i] * (kernel[i] - 1) + 1);
  const axes = inDims.map((_, i) => i + 2);
  const ends = inDims.map((n, i) => Math.min(fullDims[i], g.padsBegin[i] + n));
  let dX = full;
  if (g.padsBegin.some((p) => p > 0) || ends.some((e, i) => e < fullDims[i])) dX = sliceStatic(ctx, full, g.padsBegin, ends, axes);
  const tail = inDims.map((n, i) => n - (ends[i] - g.padsBegin[i]));
  if (tail.some((t) => t > 0)) dX = ctx.pad(dX, [0, 0, ...tail.map(() => 0), 0, 0, ...tail]);
  return [dX];
};

export const globalAveragePool: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  if (!dY || !ctx.needsGrad(x)) return [undefined];
  const xShape = ctx.shape(x);
  const count = sizeOf(xShape.slice(2));
  const scaled = ctx.op('Mul', [dY, floatConstant(ctx, [1 / count], [], ctx.dtype(x), 'scalar')]);
  return [ctx.op('Expand', [scaled, ctx.ints(xShape)])];
};

// --- reductions ----------------------------------------------------------------

/** Reduced axes (normalised, sorted) of a Reduce* node, or undefined for the identity (noop_with_empty_axes). */
export function reducedAxes(node: Node, ctx: GradContext, inputSince: number): number[] | undefined {
  const rank = ctx.shape(node.inputs[0]).length;
  let axes: number[] | undefined;
  if (ctx.opset >= inputSince) {
    const a = node.inputs[1];
    if (a) {
      const v = ctx.constantValue(a);
      if (!v) throw new Error(`the axes input '${a}' of ${node.opType} node '${node.name}' is not a constant`);
      axes = tensorNumbers(v);
    }
  } else {
    axes = attrInts(node, 'axes');
  }
  if (!axes || axes.length === 0) {
    if (attrInt(node, 'noop_with_empty_axes', 0) === 1) return undefined;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
}

interface Reduction {
  x: string;
  xShape: number[];
  axes: number[];
  /** x's shape with the reduced axes kept as 1 */
  kept: number[];
  /** dY with the reduced axes kept */
  dYk: string;
  /** number of reduced elements */
  count: number;
}

function reduction(node: Node, dY: string, ctx: GradContext, inputSince: number): Reduction | undefined {
  const x = node.inputs[0];
  const xShape = ctx.shape(x);
  const axes = reducedAxes(node, ctx, inputSince);
  if (!axes) return undefined;
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keepdims = attrInt(node, 'keepdims', 1) === 1;
  const dYk = keepdims ? dY : ctx.reshape(dY, kept);
  return { x, xShape, axes, kept, dYk, count: sizeOf(axes.map((a) => xShape[a])) };
}

/** The forward output with the reduced axes kept (for Max/Min/L2/LogSumExp). */
function keptOutput(node: Node, ctx: GradContext, r: Reduction): string {
  return attrInt(node, 'keepdims', 1) === 1 ? node.outputs[0] : ctx.reshape(node.outputs[0], r.kept);
}

const since = (op: string) => (op === 'ReduceSum' ? 13 : 18);

/** Build a reduce rule from the local factor: dX = expand(dY) * factor(r) (factor undefined: 1). */
function reduceRule(factor: (node: Node, ctx: GradContext, r: Reduction) => string | undefined, scaleFirst?: (ctx: GradContext, r: Reduction) => number): BackwardRule {
  return (node, [dY], ctx) => {
    const x = node.inputs[0];
    if (!dY || !ctx.needsGrad(x)) return [undefined, undefined];
    const r = reduction(node, dY, ctx, since(node.opType));
    if (!r) {
      // noop_with_empty_axes: the op is the identity (or the elementwise part of it)
      const f = factor(node, ctx, { x, xShape: ctx.shape(x), axes: [], kept: ctx.shape(x), dYk: dY, count: 1 });
      return [f ? ctx.op('Mul', [dY, f]) : dY, undefined];
    }
    let g = r.dYk;
    if (scaleFirst) g = ctx.op('Mul', [g, floatConstant(ctx, [scaleFirst(ctx, r)], [], ctx.dtype(x), 'scalar')]);
    const f = factor(node, ctx, r);
    // Mul broadcasts by itself when the factor has x's shape; otherwise expand explicitly.
    const dX = f ? ctx.op('Mul', [g, f]) : ctx.op('Expand', [g, ctx.ints(r.xShape)]);
    return [dX, undefined];
  };
}

export const reduceSum = reduceRule(() => undefined);
export const reduceMean = reduceRule(
  () => undefined,
  (_ctx, r) => 1 / r.count,
);
export const reduceSumSquare = reduceRule((node, ctx) => ctx.op('Mul', [node.inputs[0], floatConstant(ctx, [2], [], ctx.dtype(node.inputs[0]), 'scalar')]));
export const reduceL1 = reduceRule((node, ctx) => sign(ctx, node.inputs[0], node.inputs[0]));
/** d||x|| = x / ||x|| */
export const reduceL2 = reduceRule((node, ctx, r) => ctx.op('Div', [node.inputs[0], keptOutput(node, ctx, r)]));
/** d logsumexp = softmax over the reduced axes = exp(x - y) */
export const reduceLogSumExp = reduceRule((node, ctx, r) => ctx.op('Exp', [ctx.op('Sub', [node.inputs[0], keptOutput(node, ctx, r)])]));

/**
 * ReduceMax / ReduceMin: the gradient is shared evenly between tied extrema
 * (PyTorch's amax/amin convention), i.e. mask / count.
 */
const reduceExtremum: BackwardRule = (node, [dY], ctx) => {
  const x = node.inputs[0];
  if (!dY || !ctx.needsGrad(x)) return [undefined, undefined];
  const r = reduction(node, dY, ctx, 18);
  if (!r) return [dY, undefined];
  const y = keptOutput(node, ctx, r);
  // Equal takes floats from opset 11; before, x == y is "neither less nor greater"
  const equal =
    ctx.opset >= 11 ? ctx.op('Equal', [x, y]) : ctx.op('Not', [ctx.op('Or', [ctx.op('Less', [x, y]), ctx.op('Greater', [x, y])])]);
  const mask = ctx.op('Cast', [equal], { to: dtypeCode(ctx.dtype(x)) });
  const count = ctx.reduceSum(mask, r.axes, true);
  return [ctx.op('Mul', [mask, ctx.op('Div', [r.dYk, count])]), undefined];
};
export const reduceMax = reduceExtremum;
export const reduceMin = reduceExtremum;

export const poolRules: RuleSet = {
  MaxPool: maxPool,
  GlobalMaxPool: globalMaxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  ReduceSum: reduceSum,
  ReduceMean: reduceMean,
  ReduceMax: reduceMax,
  ReduceMin: reduceMin,
  ReduceL1: reduceL1,
  ReduceL2: reduceL2,
  ReduceSumSquare: reduceSumSquare,
  ReduceLogSumExp: reduceLogSumExp,
};
