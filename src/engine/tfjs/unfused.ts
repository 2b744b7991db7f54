/**
 * Fused conv/dense ops, unfused while a gradient is being recorded.
 *
 * tf.fused.conv2d / depthwiseConv2d / matMul with a linear activation keep their fused
 * kernel under the tape and record a custom gradient that also computes the weight and
 * bias gradients, whether or not anyone asked for them (it is ~10x the cost of an input
 * gradient, and on wasm it needs kernels that are missing). Run as separate conv + add +
 * activation ops, the tape only backpropagates what leads to the requested inputs.
 * Outside a recorded forward pass the fused kernels run as before.
 *
 * - LayersModel: tfjs-layers calls tf.fused.* through tfjs-core's exports, so
 *   `withUnfusedOps(fn)` swaps those three functions for the duration of `fn` (synchronous,
 *   restored in `finally`; nothing else runs meanwhile).
 * - GraphModel: tfjs-converter bundles its own copy of the ops, so the swap cannot reach
 *   it. Instead, before the model loads, `unfuseGraphTopology` renames the fused nodes'
 *   ops to custom ops registered here (tf.registerOp), whose executors choose fused or
 *   unfused at run time. Node names, and so tap names, do not change.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerOp } from '@tensorflow/tfjs-converter';
import type { Tensor } from '@tensorflow/tfjs-core';

type Activation = 'linear' | 'relu' | 'prelu' | 'elu' | 'relu6' | 'leakyrelu' | 'sigmoid';

/** True while a forward pass is being recorded for tf.grad (the tape is on). */
export function isRecording(): boolean {
  const state = tf.engine().state;
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}

export function applyActivation(y: Tensor, activation: string | undefined, preluWeights?: Tensor, leakyAlpha?: number): Tensor {
  switch ((activation ?? 'linear') as Activation) {
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'elu':
      return tf.elu(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'prelu':
      if (!preluWeights) throw new Error('fused op with prelu activation but no prelu weights');
      return tf.prelu(y, preluWeights);
    case 'leakyrelu':
      return tf.leakyRelu(y, leakyAlpha ?? 0.2);
    default:
      throw new Error(`unknown fused activation '${activation}'`);
  }
}

type FusedConvArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedDepthwiseArgs = Parameters<typeof tf.fused.depthwiseConv2d>[0];
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];

export function unfusedConv2d(a: FusedConvArgs): Tensor {
  return tf.tidy(() => {
    let y: Tensor = tf.conv2d(a.x, a.filter, a.strides, a.pad, a.dataFormat ?? 'NHWC', a.dilations ?? [1, 1], a.dimRoundingMode);
    if (a.bias != null) y = tf.add(y, a.bias);
    return applyActivation(y, a.activation, a.preluActivationWeights as Tensor | undefined, a.leakyreluAlpha);
  });
}

export function unfusedDepthwiseConv2d(a: FusedDepthwiseArgs): Tensor {
  return tf.tidy(() => {
    let y: Tensor = tf.depthwiseConv2d(a.x, a.filter, a.strides, a.pad, a.dataFormat ?? 'NHWC', a.dilations ?? [1, 1], a.dimRoundingMode);
    if (a.bias != null) y = tf.add(y, a.bias);
    return applyActivation(y, a.activation, a.preluActivationWeights as Tensor | undefined, a.leakyreluAlpha);
  });
}

export function unfusedMatMul(a: FusedMatMulArgs): Tensor {
  return tf.tidy(() => {
    let y: Tensor = tf.matMul(a.a, a.b, a.transposeA ?? false, a.transposeB ?? false);
    if (a.bias != null) y = tf.add(y, a.bias);
    return applyActivation(y, a.activation, a.preluActivationWeights as Tensor | undefined, a.leakyreluAlpha);
  });
}

// ---------------------------------------------------------------------------------------
// LayersModel: scoped swap of tf.fused.*

type FusedNamespace = { conv2d: typeof tf.fused.conv2d; depthwiseConv2d: typeof tf.fused.depthwiseConv2d; matMul: typeof tf.fused.matMul };
let swapDepth = 0;
let stock: FusedNamespace | undefined;

/**
 * Run `fn` (synchronous) with tf.fused.conv2d / depthwiseConv2d / matMul unfused while
 * the tape records, and the stock fused ops otherwise.
 */
export function withUnfusedOps<T>(fn: () => T): T {
  const ns = tf.fused as unknown as FusedNamespace;
  if (swapDepth === 0) {
    stock = { conv2d: ns.conv2d, depthwiseConv2d: ns.depthwiseConv2d, matMul: ns.matMul };
    const original = stock;
    ns.conv2d = ((a: FusedConvArgs) => (isRecording() ? unfusedConv2d(a) : original.conv2d(a))) as typeof ns.conv2d;
    ns.depthwiseConv2d = ((a: FusedDepthwiseArgs) => (isRecording() ? unfusedDepthwiseConv2d(a) : original.depthwiseConv2d(a))) as typeof ns.depthwiseConv2d;
    ns.matMul = ((a: FusedMatMulArgs) => (isRecording() ? unfusedMatMul(a) : original.matMul(a))) as typeof ns.matMul;
  }
  swapDepth++;
  try {
    return fn();
  } finally {
    swapDepth--;
    if (swapDepth === 0 && stock) {
      Object.assign(ns, stock);
      stock = undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------
// GraphModel: fused nodes renamed to custom ops

/** Prefix of the custom ops that stand in for TensorFlow's fused ops. */
export const UNFUSING_PREFIX = 'SaliencyLab>';
const FUSED_GRAPH_OPS = ['_FusedConv2D', 'FusedDepthwiseConv2dNative', '_FusedMatMul'] as const;

interface NodeValue {
  inputs: Tensor[];
  attrs: Record<string, unknown>;
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}
function nums(v: unknown, fallback: number[]): number[] {
  return Array.isArray(v) ? (v as number[]) : fallback;
}

/** The converter's own parameter parsing for fused conv nodes (convolution_executor.ts). */
function convParams(node: NodeValue) {
  const a = node.attrs;
  const fusedOps = (Array.isArray(a['fused_ops']) ? (a['fused_ops'] as string[]) : []).map((s) => s.toLowerCase());
  const [extraOp, activation] = fusedOps;
  if (extraOp === 'fusedbatchnorm') throw new Error('FusedConv2d and DepthwiseConv2d with FusedBatchNorm is not supported');
  const [x, filter, ...args] = node.inputs;
  let bias: Tensor | undefined = args[0];
  let prelu: Tensor | undefined = args[1];
  if (extraOp !== 'biasadd') {
    prelu = bias;
    bias = undefined;
  }
  const strides = nums(a['strides'], [1, 1, 1, 1]);
  const dilations = nums(a['dilations'], [1, 1, 1, 1]);
  let pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding = str(a['padding'], 'valid').toLowerCase() as 'same' | 'valid';
  if ((pad as string) === 'explicit') {
    const p = nums(a['explicit_paddings'], []);
    pad = [[p[0], p[1]], [p[2], p[3]], [p[4], p[5]], [p[6], p[7]]];
  }
  const dataFormat = str(a['data_format'], 'NHWC').toUpperCase() as 'NHWC' | 'NCHW';
  const leakyreluAlpha = typeof a['leakyrelu_alpha'] === 'number' ? (a['leakyrelu_alpha'] as number) : 0.2;
  return {
    x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: [strides[1], strides[2]] as [number, number], pad,
    dataFormat, dilations: [dilations[1], dilations[2]] as [number, number], bias,
    activation: (activation ?? 'linear') as Activation, preluActivationWeights: prelu, leakyreluAlpha,
  };
}

function fusedConvExecutor(node: NodeValue): Tensor {
  const p = convParams(node);
  return isRecording() ? unfusedConv2d(p as FusedConvArgs) : tf.fused.conv2d(p as FusedConvArgs);
}
function fusedDepthwiseExecutor(node: NodeValue): Tensor {
  const p = convParams(node);
  return isRecording() ? unfusedDepthwiseConv2d(p as FusedDepthwiseArgs) : tf.fused.depthwiseConv2d(p as FusedDepthwiseArgs);
}
function fusedMatMulExecutor(node: NodeValue): Tensor {
  const a = node.attrs;
  const fusedOps = (Array.isArray(a['fused_ops']) ? (a['fused_ops'] as string[]) : []).map((s) => s.toLowerCase());
  const [extraOp, activation] = fusedOps;
  const [x, w, ...args] = node.inputs;
  let bias: Tensor | undefined = args[0];
  let prelu: Tensor | undefined = args[1];
  if (extraOp !== 'biasadd') {
    prelu = bias;
    bias = undefined;
  }
  const p: FusedMatMulArgs = {
    a: x, b: w, transposeA: a['transpose_a'] === true, transposeB: a['transpose_b'] === true, bias,
    activation: (activation ?? 'linear') as Activation, preluActivationWeights: prelu,
    leakyreluAlpha: typeof a['leakyrelu_alpha'] === 'number' ? (a['leakyrelu_alpha'] as number) : 0.2,
  };
  return isRecording() ? unfusedMatMul(p) : tf.fused.matMul(p);
}

const executors: Record<(typeof FUSED_GRAPH_OPS)[number], (node: NodeValue) => Tensor> = {
  _FusedConv2D: fusedConvExecutor,
  FusedDepthwiseConv2dNative: fusedDepthwiseExecutor,
  _FusedMatMul: fusedMatMulExecutor,
};

let registered = false;
function registerUnfusingOps(): void {
  if (registered) return;
  for (const op of FUSED_GRAPH_OPS) {
    registerOp(UNFUSING_PREFIX + op, (node) => tf.tidy(() => executors[op](node as unknown as NodeValue)));
  }
  registered = true;
}

interface GraphNodeDef {
  op?: string;
  [key: string]: unknown;
}

/**
 * A copy of a graph model's topology whose fused nodes run through the custom ops above
 * (registered here). Returns the copy and the original op type of each renamed node.
 */
export function unfuseGraphTopology<T extends { node?: GraphNodeDef[]; library?: { function?: Array<{ nodeDef?: GraphNodeDef[] }> } }>(
  topology: T,
): { topology: T; renamed: Map<string, string> } {
  registerUnfusingOps();
  const renamed = new Map<string, string>();
  const rename = (nodes: GraphNodeDef[] | undefined) =>
    nodes?.map((n) => {
      if (!n.op || !(FUSED_GRAPH_OPS as readonly string[]).includes(n.op)) return n;
      renamed.set(String(n['name']), n.op);
      return { ...n, op: UNFUSING_PREFIX + n.op };
    });
  const copy = { ...topology, node: rename(topology.node) } as T;
  if (topology.library?.function) {
    copy.library = { ...topology.library, function: topology.library.function.map((f) => ({ ...f, nodeDef: rename(f.nodeDef) })) };
  }
  return { topology: copy, renamed };
}
