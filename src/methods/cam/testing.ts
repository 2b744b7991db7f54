/**
 * Small analytic ONNX models for the CAM tests, built in the graph IR (test helper, not
 * part of the public API).
 */
import type { AttrValue, Graph } from '../../graph/ir.js';
import { float32Tensor, initializerFromTensor, int64Tensor } from '../../graph/ir.js';
import { saveOnnx } from '../../graph/onnx.js';
import { pseudoRandom } from '../testing.js';

export class GraphBuilder {
  readonly graph: Graph = {
    name: 'cam-test', nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: new Map(),
    opset: 17, otherOpsets: {}, irVersion: 8, producer: 'saliency-lab cam tests',
  };
  private count = 0;
  constructor(shape: number[]) {
    this.graph.inputs.push({ name: 'input', dtype: 'float32', shape: ['batch', ...shape] });
  }
  floats(values: ArrayLike<number>, dims: number[]): string {
    const name = `w${this.count++}`;
    this.graph.initializers.set(name, initializerFromTensor(name, float32Tensor(values, dims)));
    return name;
  }
  int64s(values: number[]): string {
    const name = `i${this.count++}`;
    this.graph.initializers.set(name, initializerFromTensor(name, int64Tensor(values)));
    return name;
  }
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    const out = name ?? `${opType.toLowerCase()}${this.count++}`;
    this.graph.nodes.push({ name: out, opType, domain: '', inputs, outputs: [out], attrs });
    return out;
  }
  finish(output: string): Uint8Array {
    this.graph.outputs.push({ name: output, dtype: 'float32', shape: null });
    return saveOnnx(this.graph);
  }
}

export const ints = (value: number[]): AttrValue => ({ kind: 'ints', value });
export const int = (value: number): AttrValue => ({ kind: 'int', value });
export const float = (value: number): AttrValue => ({ kind: 'float', value });

/** Head weights of gapHeadOnnx: [5 classes, 4 channels]. */
export const HEAD = Array.from({ length: 20 }, (_, i) => Math.sin(i * 0.77 + 0.2));

/**
 * Conv(3 -> 4, 3x3, pad 1, bias) -> Relu ('features') -> GlobalAveragePool -> Flatten ->
 * Gemm(HEAD, bias): input [3, 6, 6], 5 classes. The gradient at 'features' is constant
 * over space: W[k, c] / 36.
 */
export function gapHeadOnnx(): Uint8Array {
  const b = new GraphBuilder([3, 6, 6]);
  const conv = b.op('Conv', ['input', b.floats(pseudoRandom(4 * 27, 5, -0.5, 0.5), [4, 3, 3, 3]), b.floats([0.1, -0.05, 0.2, 0], [4])], { pads: ints([1, 1, 1, 1]) }, 'conv');
  const feats = b.op('Relu', [conv], {}, 'features');
  const flat = b.op('Flatten', [b.op('GlobalAveragePool', [feats], {}, 'gap')], {}, 'flatten');
  return b.finish(b.op('Gemm', [flat, b.floats(HEAD, [5, 4]), b.floats([0.3, -0.2, 0.1, 0, 0.5], [5])], { transB: int(1) }, 'logits'));
}

/**
 * A ReLU network with biases everywhere, an unfolded BatchNormalization and max pooling:
 * Conv(2 -> 3, bias) -> BN -> Relu -> MaxPool 2 -> Conv(3 -> 4, bias) -> Relu -> GAP ->
 * Flatten -> Gemm(bias); input [2, 6, 6], 3 classes (FullGrad's completeness holds exactly).
 */
export function reluBiasNetOnnx(): Uint8Array {
  const b = new GraphBuilder([2, 6, 6]);
  const c1 = b.op('Conv', ['input', b.floats(pseudoRandom(3 * 18, 7, -0.6, 0.6), [3, 2, 3, 3]), b.floats([0.2, -0.1, 0.05], [3])], { pads: ints([1, 1, 1, 1]) });
  const bn = b.op('BatchNormalization', [c1, b.floats([1.2, 0.8, 1.1], [3]), b.floats([0.1, 0.3, -0.2], [3]), b.floats([0.05, -0.1, 0.2], [3]), b.floats([0.9, 1.3, 0.7], [3])], { epsilon: float(1e-5) });
  const p = b.op('MaxPool', [b.op('Relu', [bn])], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  const c2 = b.op('Conv', [p, b.floats(pseudoRandom(4 * 27, 8, -0.6, 0.6), [4, 3, 3, 3]), b.floats([0.1, 0.2, -0.3, 0.05], [4])], { pads: ints([1, 1, 1, 1]) });
  const flat = b.op('Flatten', [b.op('GlobalAveragePool', [b.op('Relu', [c2])])]);
  return b.finish(b.op('Gemm', [flat, b.floats(pseudoRandom(12, 9, -1, 1), [3, 4]), b.floats([0.4, -0.2, 0.1], [3])], { transB: int(1) }));
}

/**
 * A score that depends on one channel: input [1, 4, 4] -> Conv 1x1 (1 -> 2, weights
 * [1, -1]) -> Relu ('features': channel 0 = relu(x), channel 1 = relu(-x)) -> GAP ->
 * Flatten -> Gemm([[100, 0]]): f = 100 mean(relu(x)), blind to channel 1.
 */
export function oneChannelOnnx(): Uint8Array {
  const b = new GraphBuilder([1, 4, 4]);
  const feats = b.op('Relu', [b.op('Conv', ['input', b.floats([1, -1], [2, 1, 1, 1])])], {}, 'features');
  const flat = b.op('Flatten', [b.op('GlobalAveragePool', [feats])]);
  return b.finish(b.op('Gemm', [flat, b.floats([100, 0], [1, 2])], { transB: int(1) }));
}

/**
 * Tokens: input [5, 3] (a class token and 2 x 2 patches) -> MatMul W [3, 4] -> Relu
 * ('tokens', [5, 4]) -> ReduceMean over tokens -> MatMul [4, 2]: 2 classes.
 */
export const TOKEN_HEAD = [0.5, -1, 2, 0.25, -0.75, 1.5, 1, -0.5];
export function tokenOnnx(): Uint8Array {
  const b = new GraphBuilder([5, 3]);
  const t = b.op('Relu', [b.op('MatMul', ['input', b.floats(pseudoRandom(12, 11, -1, 1), [3, 4])])], {}, 'tokens');
  const pooled = b.op('ReduceMean', [t], { axes: ints([1]), keepdims: int(0) });
  return b.finish(b.op('MatMul', [pooled, b.floats(TOKEN_HEAD, [4, 2])]));
}

/**
 * Score-CAM's shared masks: input [1, 4, 4] -> 1x1 Conv, weights [1, 2, -1], biases
 * [0, 1, 0] -> Relu ('features', [3, 4, 4]) -> GAP -> Gemm [1, 0.5, 3]. On a positive
 * input channel 1 = 2 x + 1 is a positive affine image of channel 0 = x (the same scaled
 * mask) and channel 2 = relu(-x) is constant (zero).
 */
export function affineChannelsOnnx(): Uint8Array {
  const b = new GraphBuilder([1, 4, 4]);
  const feats = b.op('Relu', [b.op('Conv', ['input', b.floats([1, 2, -1], [3, 1, 1, 1]), b.floats([0, 1, 0], [3])])], {}, 'features');
  const flat = b.op('Flatten', [b.op('GlobalAveragePool', [feats])]);
  return b.finish(b.op('Gemm', [flat, b.floats([1, 0.5, 3], [1, 3])], { transB: int(1) }));
}
