/**
 * Backward rules of the linear ops: Conv, ConvTranspose, Gemm, MatMul.
 */
import type { Node } from '../ir.js';
import { attrFloat, attrInt, attrInts, attrString } from '../ir.js';
import type { BackwardRule, GradContext } from '../autodiff.js';
import { floatAttr } from '../emitter.js';

export interface ConvGeometry {
  spatial: number; // number of spatial dims
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  group: number;
}

/** Explicit geometry of a Conv / pool node, with auto_pad resolved from the static shapes. */
export function convGeometry(node: Node, inShape: number[], outShape: number[], kernel: number[]): ConvGeometry {
  const spatial = inShape.length - 2;
  const strides = attrInts(node, 'strides', new Array(spatial).fill(1));
  const dilations = attrInts(node, 'dilations', new Array(spatial).fill(1));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let pads = attrInts(node, 'pads', new Array(2 * spatial).fill(0));
  if (autoPad === 'VALID') pads = new Array(2 * spatial).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * spatial).fill(0);
    for (let i = 0; i < spatial; i++) {
      const total = Math.max(0, (outShape[i + 2] - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - inShape[i + 2]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + spatial] = total - pads[i];
    }
  }
  return {
    spatial,
    kernel,
    strides,
    dilations,
    padsBegin: pads.slice(0, spatial),
    padsEnd: pads.slice(spatial),
    group: attrInt(node, 'group', 1),
  };
}

/**
 * Kernel of the transposed convolution written as an ordinary Conv:
 * swap in/out channels within each group and flip every spatial axis.
 * Built from the weight inside the graph so onnxruntime folds it at load.
 */
function flippedKernel(ctx: GradContext, w: string, wShape: number[], group: number): string {
  const [m, cg, ...k] = wShape;
  const spatial = k.length;
  let t = w;
  if (group === 1) {
    t = ctx.op('Transpose', [t], { perm: [1, 0, ...k.map((_, i) => i + 2)] });
  } else if (cg !== 1 || m !== group) {
    // [M, C/g, K] -> [g, M/g, C/g, K] -> [g, C/g, M/g, K] -> [C, M/g, K]
    t = ctx.reshape(t, [group, m / group, cg, ...k]);
    t = ctx.op('Transpose', [t], { perm: [0, 2, 1, ...k.map((_, i) => i + 3)] });
    t = ctx.reshape(t, [group * cg, m / group, ...k]);
  }
  // depthwise (C/g == 1, M == g): the swap is the identity.
  const axes = k.map((_, i) => i + 2);
  const big = 2 ** 62;
  return ctx.slice(t, new Array(spatial).fill(-1), new Array(spatial).fill(-big), axes, new Array(spatial).fill(-1));
}

/** Gradient of a convolution with respect to its input, as Conv (stride 1) or ConvTranspose. */
export function convInputGradient(ctx: GradContext, dY: string, w: string, xShape: number[], yShape: number[], g: ConvGeometry): string {
  const wShape = ctx.shape(w);
  const flippedPadsBegin = g.padsBegin.map((p, i) => g.dilations[i] * (g.kernel[i] - 1) - p);
  const flippedPadsEnd = g.padsEnd.map((p, i) => g.dilations[i] * (g.kernel[i] - 1) - p);
  const stride1 = g.strides.every((s) => s === 1);
  // (the flipped kernel needs a negative-step Slice, which exists from opset 10)
  if (stride1 && ctx.opset >= 10 && flippedPadsBegin.every((p) => p >= 0) && flippedPadsEnd.every((p) => p >= 0)) {
    return ctx.op('Conv', [dY, flippedKernel(ctx, w, wShape, g.group)], {
      group: g.group,
      dilations: g.dilations,
      pads: [...flippedPadsBegin, ...flippedPadsEnd],
      strides: g.strides,
      kernel_shape: g.kernel,
    });
  }
  const outputPadding = g.kernel.map((k, i) => {
    const natural = (yShape[i + 2] - 1) * g.strides[i] + g.dilations[i] * (k - 1) + 1 - g.padsBegin[i] - g.padsEnd[i];
    return xShape[i + 2] - natural;
  });
  return ctx.op('ConvTranspose', [dY, w], {
    group: g.group,
    dilations: g.dilations,
    pads: [...g.padsBegin, ...g.padsEnd],
    strides: g.strides,
    kernel_shape: g.kernel,
    output_padding: outputPadding,
  });
}

function biasGradient(ctx: GradContext, dY: string, rank: number): string {
  const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
  return ctx.reduceSum(dY, axes, false);
}

/** Largest im2col tensor (values) the unfolded weight gradient may build; beyond it the Conv form below. */
const UNFOLD_LIMIT = 2 ** 24;

/**
 * Gradient of an ungrouped convolution with respect to its weight, as im2col + one batched
 * MatMul: a depthwise Conv with one-hot kernels (the forward's pads, strides and dilations)
 * unfolds x into its patches P [N, C*K, L] (K taps, L output positions), then
 * dW [M, C*K] = sum_n dY[n] [M, L] x P[n]^T. onnxruntime runs both at full speed (the Conv
 * form below is one thin GEMM per input channel: ~2x slower on the Fashion-MNIST CNN).
 */
function unfoldedWeightGradient(ctx: GradContext, dY: string, x: string, w: string, xShape: number[], yShape: number[], g: ConvGeometry): string | undefined {
  const [n, c] = xShape;
  const m = yShape[1];
  const taps = g.kernel.reduce((a, b) => a * b, 1);
  const positions = yShape.slice(2).reduce((a, b) => a * b, 1);
  if (g.group !== 1 || n * c * taps * positions > UNFOLD_LIMIT || c * taps * taps > UNFOLD_LIMIT || ctx.dtype(x) !== 'float32') return undefined;
  const oneHot = new Float32Array(c * taps * taps);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < taps; t++) oneHot[(ch * taps + t) * taps + t] = 1;
  const kernel = ctx.constant({ dtype: 'float32', dims: [c * taps, 1, ...g.kernel], data: oneHot }, 'unfold_kernel');
  const patches = ctx.op('Conv', [x, kernel], {
    group: c,
    kernel_shape: g.kernel,
    strides: g.strides,
    dilations: g.dilations,
    pads: [...g.padsBegin, ...g.padsEnd],
  });
  const p = ctx.reshape(patches, [n, c * taps, positions]);
  const d = ctx.reshape(dY, [n, m, positions]);
  const perExample = ctx.op('MatMul', [d, ctx.op('Transpose', [p], { perm: [0, 2, 1] })]); // [N, M, C*K]
  return ctx.reshape(ctx.reduceSum(perExample, [0], false), ctx.shape(w));
}

/**
 * Gradient of a convolution with respect to its weight: the convolution of the input
 * (batch and channels swapped) with the output gradient as the kernel, forward strides
 * and dilations exchanged, cropped to the kernel's extent. Groups become the batch
 * axis's partner: x [N, g*Cg, ...] -> [Cg, g*N, ...], dY [N, g*Mg, ...] -> [M, N, ...],
 * Conv(group g) -> [Cg, M, k...] -> [M, Cg, k...].
 */
function convWeightGradient(ctx: GradContext, dY: string, x: string, xShape: number[], yShape: number[], g: ConvGeometry): string {
  const [n, c] = xShape;
  const m = yShape[1];
  const spatial = g.spatial;
  const rest = (offset: number) => Array.from({ length: spatial }, (_, i) => i + offset);
  let xt: string;
  let dYt: string;
  if (g.group === 1) {
    xt = ctx.op('Transpose', [x], { perm: [1, 0, ...rest(2)] });
    dYt = ctx.op('Transpose', [dY], { perm: [1, 0, ...rest(2)] });
  } else {
    const cg = c / g.group;
    xt = ctx.reshape(x, [n, g.group, cg, ...xShape.slice(2)]);
    xt = ctx.op('Transpose', [xt], { perm: [2, 1, 0, ...rest(3)] });
    xt = ctx.reshape(xt, [cg, g.group * n, ...xShape.slice(2)]);
    dYt = ctx.reshape(dY, [n, g.group, m / g.group, ...yShape.slice(2)]);
    dYt = ctx.op('Transpose', [dYt], { perm: [1, 2, 0, ...rest(3)] });
    dYt = ctx.reshape(dYt, [m, n, ...yShape.slice(2)]);
  }
  const full = ctx.op('Conv', [xt, dYt], {
    group: g.group,
    dilations: g.strides,
    strides: g.dilations,
    pads: [...g.padsBegin, ...g.padsEnd],
    kernel_shape: yShape.slice(2),
  });
  // the result covers at least the kernel (floor in the forward output size): crop the rest
  const natural = xShape.slice(2).map((h, i) => Math.floor((h + g.padsBegin[i] + g.padsEnd[i] - g.strides[i] * (yShape[i + 2] - 1) - 1) / g.dilations[i]) + 1);
  const cropped = natural.some((v, i) => v !== g.kernel[i]) ? ctx.slice(full, rest(0).map(() => 0), g.kernel, rest(2)) : full;
  return ctx.op('Transpose', [cropped], { perm: [1, 0, ...rest(2)] });
}

function refuseWeightGradient(ctx: GradContext, node: Node, w: string): void {
  if (ctx.needsGrad(w)) {
    throw new Error(`the weight '${w}' depends on the differentiated input; gradients through data-dependent weights are not supported`);
  }
}

export const conv: BackwardRule = (node, [dY], ctx) => {
  const [x, w, b] = node.inputs;
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(node.outputs[0]);
  const wShape = ctx.shape(w);
  const g = convGeometry(node, xShape, yShape, attrInts(node, 'kernel_shape', wShape.slice(2)));
  return [
    ctx.needsGrad(x) ? convInputGradient(ctx, dY!, w, xShape, yShape, g) : undefined,
    ctx.needsGrad(w) ? (unfoldedWeightGradient(ctx, dY!, x, w, xShape, yShape, g) ?? convWeightGradient(ctx, dY!, x, xShape, yShape, g)) : undefined,
    b && ctx.needsGrad(b) ? biasGradient(ctx, dY!, yShape.length) : undefined,
  ];
};

export const convTranspose: BackwardRule = (node, [dY], ctx) => {
  const [x, w, b] = node.inputs;
  refuseWeightGradient(ctx, node, w);
  const xShape = ctx.shape(x);
  const yShape = ctx.shape(node.outputs[0]);
  const wShape = ctx.shape(w);
  const spatial = xShape.length - 2;
  const kernel = attrInts(node, 'kernel_shape', wShape.slice(2));
  const strides = attrInts(node, 'strides', new Array(spatial).fill(1));
  const dilations = attrInts(node, 'dilations', new Array(spatial).fill(1));
  let pads = attrInts(node, 'pads', new Array(2 * spatial).fill(0));
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  // An output_shape larger than the natural size appends rows that do not depend on x:
  // onnxruntime pads nothing then, so only the first `natural` rows of dY matter.
  const keep: number[] = [];
  if (autoPad !== 'NOTSET' || node.attrs['output_shape']) {
    // Recover the explicit pads from the static shapes: total = natural size - actual size.
    const outputPadding = attrInts(node, 'output_padding', new Array(spatial).fill(0));
    pads = new Array(2 * spatial).fill(0);
    for (let i = 0; i < spatial; i++) {
      const natural = strides[i] * (xShape[i + 2] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
      const total = natural - yShape[i + 2];
      if (total < 0) keep[i] = natural;
      const small = Math.floor(Math.max(total, 0) / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : Math.max(total, 0) - small;
      pads[i + spatial] = Math.max(total, 0) - pads[i];
    }
  }
  let g = dY!;
  const cropped = yShape.slice(2).map((_, i) => i).filter((i) => keep[i] !== undefined);
  if (cropped.length && ctx.needsGrad(x)) {
    g = ctx.slice(g, cropped.map(() => 0), cropped.map((i) => keep[i]), cropped.map((i) => i + 2));
  }
  // The input gradient of a transposed convolution is the forward convolution with the same weight.
  // Extra output_padding rows at the end are simply never read by that convolution.
  const dX = ctx.needsGrad(x)
    ? ctx.op('Conv', [g, w], {
        group: attrInt(node, 'group', 1),
        dilations,
        strides,
        pads,
        kernel_shape: kernel,
      })
    : undefined;
  return [dX, undefined, b && ctx.needsGrad(b) ? biasGradient(ctx, dY!, yShape.length) : undefined];
};

export const gemm: BackwardRule = (node, [dY], ctx) => {
  const [a, b, c] = node.inputs;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const transA = attrInt(node, 'transA', 0);
  const transB = attrInt(node, 'transB', 0);
  let dA: string | undefined;
  let dB: string | undefined;
  let dC: string | undefined;
  // Gemm's C input is optional only from opset 11: give older graphs a zero scalar.
  const zeroC = ctx.opset < 11 ? [ctx.scalar(0, ctx.dtype(a))] : [];
  if (ctx.needsGrad(a)) {
    dA = transA
      ? ctx.op('Gemm', [b, dY!, ...zeroC], { alpha: floatAttr(alpha), transA: transB, transB: 1 })
      : ctx.op('Gemm', [dY!, b, ...zeroC], { alpha: floatAttr(alpha), transB: 1 - transB });
  }
  if (ctx.needsGrad(b)) {
    dB = transB
      ? ctx.op('Gemm', [dY!, a, ...zeroC], { alpha: floatAttr(alpha), transA: 1, transB: transA })
      : ctx.op('Gemm', [a, dY!, ...zeroC], { alpha: floatAttr(alpha), transA: 1 - transA });
  }
  if (c && ctx.needsGrad(c)) {
    const scaled = beta === 1 ? dY! : ctx.op('Mul', [dY!, ctx.scalar(beta, ctx.dtype(c))]);
    dC = ctx.unbroadcast(scaled, ctx.shape(node.outputs[0]), ctx.shape(c));
  }
  return [dA, dB, dC];
};

function swapLastTwo(ctx: GradContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  // x = Transpose(t) swapping the last two axes (attention's k^T): its transpose is t, already computed
  const made = ctx.producer(x);
  if (made?.opType === 'Transpose' && made.domain === '') {
    const p = attrInts(made, 'perm', []);
    if (p.length === rank && p.every((v, i) => v === perm[i])) return made.inputs[0];
  }
  return ctx.op('Transpose', [x], { perm });
}

export const matMul: BackwardRule = (node, [dY], ctx) => {
  const [a, b] = node.inputs;
  const aShape = ctx.shape(a);
  const bShape = ctx.shape(b);
  // Promote 1-D operands to matrices as numpy does, so dY gains the dropped axis back.
  const a2Shape = aShape.length === 1 ? [1, aShape[0]] : aShape;
  const b2Shape = bShape.length === 1 ? [bShape[0], 1] : bShape;
  const a2 = aShape.length === 1 ? ctx.reshape(a, a2Shape) : a;
  const b2 = bShape.length === 1 ? ctx.reshape(b, b2Shape) : b;
  const yShape = ctx.shape(node.outputs[0]);
  let y2Shape = yShape;
  if (aShape.length === 1) y2Shape = [...y2Shape.slice(0, -1), 1, ...y2Shape.slice(-1)];
  if (bShape.length === 1) y2Shape = [...y2Shape, 1];
  const dY2 = y2Shape.length !== yShape.length ? ctx.reshape(dY!, y2Shape) : dY!;
  let dA: string | undefined;
  let dB: string | undefined;
  if (ctx.needsGrad(a)) {
    const full = ctx.op('MatMul', [dY2, swapLastTwo(ctx, b2, b2Shape.length)]);
    const fullShape = [...y2Shape.slice(0, -1), a2Shape[a2Shape.length - 1]];
    dA = ctx.unbroadcast(full, fullShape, a2Shape);
    if (aShape.length === 1) dA = ctx.reshape(dA, aShape);
  }
  if (ctx.needsGrad(b)) {
    const full = ctx.op('MatMul', [swapLastTwo(ctx, a2, a2Shape.length), dY2]);
    const fullShape = [...y2Shape.slice(0, -2), b2Shape[b2Shape.length - 2], y2Shape[y2Shape.length - 1]];
    dB = ctx.unbroadcast(full, fullShape, b2Shape);
    if (bShape.length === 1) dB = ctx.reshape(dB, bShape);
  }
  return [dA, dB];
};
