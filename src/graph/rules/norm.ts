/**
 * Backward rules of normalisation layers: BatchNormalization (inference mode),
 * LayerNormalization and InstanceNormalization.
 *
 * Batch norm at inference is an affine map per channel, so dX = dY * scale / sqrt(var + eps);
 * the factor is built from the constant inputs inside the graph, where onnxruntime folds it.
 * Batch norm in training mode, written as a BatchNormalization fed with the batch's own
 * statistics (mean = ReduceMean(x), var = ReduceMean((x - mean)^2) over every axis but the
 * channels, as src/training builds it), gets the closed-form backward through the
 * statistics (6 full-size ops instead of differentiating the ReduceMean chains).
 * Layer norm goes back from the statistics its forward kernel computes anyway (the optional
 * Mean and InvStdDev outputs, requested from the node); instance norm recomputes them in the
 * backward graph.
 */
import { attrFloat, attrInt, sizeOf } from '../ir.js';
import type { BackwardRule, GradContext, RuleSet } from '../autodiff.js';
import { dtypeCode, dtypeFromCode } from '../onnx.js';
import { floatConstant, reducedAxes } from './pool.js';
import type { Node } from '../ir.js';

const scalar = (ctx: GradContext, like: string, v: number) => floatConstant(ctx, [v], [], ctx.dtype(like), 'scalar');

/** [C] -> [C, 1, ..., 1] so that it broadcasts against [N, C, spatial...]. */
function perChannel(ctx: GradContext, v: string, xRank: number, channels: number): string {
  return xRank <= 2 ? v : ctx.reshape(v, [channels, ...new Array(xRank - 2).fill(1)]);
}

/** Axes other than the channel axis (1). */
const nonChannelAxes = (rank: number) => Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 1);

export const batchNormalization: BackwardRule = (node, [dY, ...rest], ctx) => {
  const [x, scale, bias, mean, variance] = node.inputs;
  if (attrInt(node, 'training_mode', 0) === 1 || (ctx.opset < 14 && node.outputs.slice(1).some((o) => o !== ''))) {
    throw new Error(
      'BatchNormalization in training mode is not supported (gradients are taken of the model in inference mode); ' +
        're-export the model with model.eval()',
    );
  }
  if (attrInt(node, 'spatial', 1) === 0) throw new Error('BatchNormalization with spatial=0 is not supported');
  if (rest.some((g) => g !== undefined)) throw new Error('gradients of the running statistics outputs of BatchNormalization are not supported');
  if (!dY) return [];
  const centred = ctx.needsGrad(x) ? batchStatisticsCentred(node, ctx) : undefined;
  if (centred) return batchStatisticsBackward(node, dY, centred, ctx);
  const xShape = ctx.shape(x);
  const rank = xShape.length;
  const channels = rank > 1 ? xShape[1] : 1;
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const std = ctx.op('Sqrt', [ctx.op('Add', [variance, scalar(ctx, variance, eps)])]);
  const factor = ctx.op('Div', [scale, std]); // [C]
  const axes = nonChannelAxes(rank);
  const needs = [x, scale, bias, mean, variance].map((t) => ctx.needsGrad(t));

  const dX = needs[0] ? ctx.op('Mul', [dY, perChannel(ctx, factor, rank, channels)]) : undefined;
  const sumDY = needs[2] || needs[3] ? ctx.reduceSum(dY, axes, false) : undefined;
  let dScale: string | undefined;
  let dVar: string | undefined;
  if (needs[1] || needs[4]) {
    const centered = ctx.op('Sub', [x, perChannel(ctx, mean, rank, channels)]);
    const sumDYxc = ctx.reduceSum(ctx.op('Mul', [dY, centered]), axes, false); // sum dY (x - mean)
    if (needs[1]) dScale = ctx.op('Div', [sumDYxc, std]);
    // d/dvar scale (x - mean) (var + eps)^-1/2 = -1/2 scale (x - mean) (var + eps)^-3/2
    if (needs[4]) {
      const cube = ctx.op('Mul', [std, ctx.op('Mul', [std, std])]);
      dVar = ctx.op('Mul', [ctx.op('Div', [ctx.op('Mul', [sumDYxc, scale]), cube]), scalar(ctx, variance, -0.5)]);
    }
  }
  const dMean = needs[3] ? ctx.op('Neg', [ctx.op('Mul', [sumDY!, factor])]) : undefined;
  return [dX, dScale, needs[2] ? sumDY : undefined, dMean, dVar];
};

/** Follow Reshape / Squeeze / Unsqueeze / Identity back to the tensor they repackage. */
function unwrap(ctx: GradContext, t: string): Node | undefined {
  let p = ctx.producer(t);
  while (p && ['Reshape', 'Squeeze', 'Unsqueeze', 'Identity'].includes(p.opType)) p = ctx.producer(p.inputs[0]);
  return p;
}

/** A ReduceMean of `of` over every axis but the channels (axis 1). */
function channelMean(ctx: GradContext, p: Node | undefined, of: (input: string) => boolean): boolean {
  if (!p || p.opType !== 'ReduceMean' || !of(p.inputs[0])) return false;
  const rank = ctx.shape(p.inputs[0]).length;
  const axes = reducedAxes(p, ctx, 18);
  return !!axes && axes.join() === nonChannelAxes(rank).join();
}

/**
 * When the mean and variance inputs of a BatchNormalization are the batch statistics of its
 * own input x (biased variance: ReduceMean((x - mean)^2)), the forward tensor x - mean;
 * d/dx must then account for the statistics, which are not differentiated separately (nor
 * may they be asked for as gradients). Undefined for any other BatchNormalization.
 */
function batchStatisticsCentred(node: Node, ctx: GradContext): string | undefined {
  const [x, , , mean, variance] = node.inputs;
  if (!mean || !variance || ctx.isWrt(mean) || ctx.isWrt(variance) || ctx.shape(x).length < 2) return undefined;
  const meanOfX = (t: string) => t === x;
  if (!channelMean(ctx, unwrap(ctx, mean), meanOfX)) return undefined;
  let centred: string | undefined;
  const ofSquares = (sq: string) => {
    const p = ctx.producer(sq);
    if (!p || !(p.opType === 'Mul' && p.inputs[0] === p.inputs[1])) return false;
    const sub = ctx.producer(p.inputs[0]);
    if (!sub || sub.opType !== 'Sub' || sub.inputs[0] !== x || !channelMean(ctx, unwrap(ctx, sub.inputs[1]), meanOfX)) return false;
    centred = p.inputs[0];
    return true;
  };
  return channelMean(ctx, unwrap(ctx, variance), ofSquares) ? centred : undefined;
}

/**
 * y = scale (x - mean) / sqrt(var + eps) + bias with mean and var the batch statistics of x
 * over M = N x spatial values: dx = a (dY - sum(dY) / M - (x - mean) invStd^2 sum(dY (x - mean)) / M),
 * a = scale invStd; dScale = invStd sum(dY (x - mean)); dBias = sum(dY).
 */
function batchStatisticsBackward(node: Node, dY: string, centred: string, ctx: GradContext): Array<string | undefined> {
  const [x, scale, bias, , variance] = node.inputs;
  const xShape = ctx.shape(x);
  const rank = xShape.length;
  const channels = xShape[1];
  const axes = nonChannelAxes(rank);
  const count = sizeOf(axes.map((a) => xShape[a]));
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const invStd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, scalar(ctx, variance, eps)])])]);
  const sumDY = ctx.reduceSum(dY, axes, false);
  const sumDYxc = ctx.reduceSum(ctx.op('Mul', [dY, centred]), axes, false);
  const a = ctx.op('Mul', [scale, invStd]);
  const minusInvM = scalar(ctx, x, -1 / count);
  const b = ctx.op('Mul', [ctx.op('Mul', [a, ctx.op('Mul', [invStd, invStd])]), ctx.op('Mul', [sumDYxc, minusInvM])]);
  const c = ctx.op('Mul', [ctx.op('Mul', [a, sumDY]), minusInvM]);
  const pc = (v: string) => perChannel(ctx, v, rank, channels);
  const dX = ctx.op('Add', [ctx.op('Add', [ctx.op('Mul', [dY, pc(a)]), ctx.op('Mul', [centred, pc(b)])]), pc(c)]);
  const dScale = ctx.needsGrad(scale) ? ctx.op('Mul', [sumDYxc, invStd]) : undefined;
  return [dX, dScale, ctx.needsGrad(bias) ? sumDY : undefined, undefined, undefined];
}

interface Normalized {
  /** (x - mean) */
  centered: string;
  /** 1 / sqrt(var + eps), reduced axes kept */
  invStd: string;
  /** (x - mean) * invStd */
  xhat: string;
}

function normalize(ctx: GradContext, x: string, axes: number[], eps: number): Normalized {
  const mean = ctx.reduceMean(x, axes, true);
  const centered = ctx.op('Sub', [x, mean]);
  const variance = ctx.reduceMean(ctx.op('Mul', [centered, centered]), axes, true);
  const invStd = ctx.op('Reciprocal', [ctx.op('Sqrt', [ctx.op('Add', [variance, scalar(ctx, x, eps)])])]);
  return { centered, invStd, xhat: ctx.op('Mul', [centered, invStd]) };
}

/**
 * Gradient of xhat = (x - mean(x)) / sqrt(var(x) + eps) over `axes`, given g = dL/dxhat:
 * dx = invStd * (g - mean(g) - xhat * mean(g * xhat)).
 */
function normalizeBackward(ctx: GradContext, n: Normalized, g: string, axes: number[]): string {
  const meanG = ctx.reduceMean(g, axes, true);
  const meanGX = ctx.reduceMean(ctx.op('Mul', [g, n.xhat]), axes, true);
  const inner = ctx.op('Sub', [ctx.op('Sub', [g, meanG]), ctx.op('Mul', [n.xhat, meanGX])]);
  return ctx.op('Mul', [inner, n.invStd]);
}

/**
 * LayerNormalization, closed form over the forward kernel's own statistics (its optional Mean
 * and InvStdDev outputs, requested from the node when the model left them out), as PyTorch's CPU
 * layer_norm_backward: with g = dY * scale, r = invStd, m = mean and n elements per group,
 *   dx = r g + b x + c,  b = (m sum(g) - sum(g x)) r^3 / n,  c = -b m - r sum(g) / n:
 * four full-size passes besides g and g x, and two reductions.
 */
export const layerNormalization: BackwardRule = (node, [dY, dMean, dInvStd], ctx) => {
  const [x, scale, bias] = node.inputs;
  const xShape = ctx.shape(x);
  const rank = xShape.length;
  let axis = attrInt(node, 'axis', -1);
  if (axis < 0) axis += rank;
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const count = sizeOf(axes.map((a) => xShape[a]));
  const statShape = xShape.map((d, i) => (i < axis ? d : 1));
  const statType = dtypeFromCode(attrInt(node, 'stash_type', 1));
  // the statistics in x's type (float32 unless stash_type says otherwise; the gradient checker runs float64 graphs)
  const stat = (k: number) => {
    const s = ctx.forwardOutput(node, k, statShape, statType);
    return ctx.dtype(s) === ctx.dtype(x) ? s : ctx.op('CastLike', [s, x]);
  };
  const wantX = ctx.needsGrad(x);
  const mean = wantX || (dY && ctx.needsGrad(scale)) ? stat(1) : undefined;
  const invStd = wantX || (dY && ctx.needsGrad(scale)) ? stat(2) : undefined;
  const parts: string[] = [];
  if (dY && wantX) {
    const g = ctx.op('Mul', [dY, scale]);
    const sumG = ctx.reduceSum(g, axes, true);
    const sumGX = ctx.reduceSum(ctx.op('Mul', [g, x]), axes, true);
    const cube = ctx.op('Mul', [invStd!, ctx.op('Mul', [invStd!, invStd!])]);
    const b = ctx.op('Mul', [ctx.op('Sub', [ctx.op('Mul', [mean!, sumG]), sumGX]), ctx.op('Mul', [cube, scalar(ctx, x, 1 / count)])]);
    const c = ctx.op('Sub', [
      ctx.op('Neg', [ctx.op('Mul', [b, mean!])]),
      ctx.op('Mul', [ctx.op('Mul', [invStd!, sumG]), scalar(ctx, x, 1 / count)]),
    ]);
    parts.push(ctx.op('Add', [ctx.op('Add', [ctx.op('Mul', [g, invStd!]), ctx.op('Mul', [x, b])]), c]));
  }
  // the optional Mean and InvStdDev outputs (training-time statistics; float32 unless stash_type says otherwise)
  const castToX = (g: string) => (ctx.dtype(g) === ctx.dtype(x) ? g : ctx.op('Cast', [g], { to: dtypeCode(ctx.dtype(x)) }));
  if (dMean && wantX) parts.push(ctx.op('Mul', [castToX(dMean), scalar(ctx, x, 1 / count)]));
  if (dInvStd && wantX) {
    // d invStd / dx = -invStd^3 (x - mean) / count
    const cube = ctx.op('Mul', [invStd!, ctx.op('Mul', [invStd!, invStd!])]);
    const local = ctx.op('Mul', [ctx.op('Mul', [cube, ctx.op('Sub', [x, mean!])]), scalar(ctx, x, -1 / count)]);
    parts.push(ctx.op('Mul', [castToX(dInvStd), local]));
  }
  const dX = ctx.sum(parts);
  let dScale: string | undefined;
  if (dY && ctx.needsGrad(scale)) {
    const xhat = ctx.op('Mul', [ctx.op('Sub', [x, mean!]), invStd!]);
    dScale = ctx.unbroadcast(ctx.op('Mul', [dY, xhat]), xShape, ctx.shape(scale));
  }
  const dBias = dY && bias && ctx.needsGrad(bias) ? ctx.unbroadcast(dY, xShape, ctx.shape(bias)) : undefined;
  return [dX, dScale, dBias];
};

export const instanceNormalization: BackwardRule = (node, [dY], ctx) => {
  const [x, scale, bias] = node.inputs;
  if (!dY) return [];
  const xShape = ctx.shape(x);
  const rank = xShape.length;
  const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const n = normalize(ctx, x, axes, attrFloat(node, 'epsilon', 1e-5));
  const channelScale = perChannel(ctx, scale, rank, xShape[1]);
  const dX = ctx.needsGrad(x) ? normalizeBackward(ctx, n, ctx.op('Mul', [dY, channelScale]), axes) : undefined;
  const sumAxes = nonChannelAxes(rank);
  const dScale = ctx.needsGrad(scale) ? ctx.reduceSum(ctx.op('Mul', [dY, n.xhat]), sumAxes, false) : undefined;
  const dBias = ctx.needsGrad(bias) ? ctx.reduceSum(dY, sumAxes, false) : undefined;
  return [dX, dScale, dBias];
};

export const normRules: RuleSet = {
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  InstanceNormalization: instanceNormalization,
};
