/**
 * Tiny analytic models for the method tests, built in the graph IR and loaded through
 * the real ONNX engine (so the tests exercise the compiled backward pass), plus their
 * plain-function twins (engine/function.ts). Not part of the public API.
 */
import type { AttrValue, Graph, Tensor } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor, int64Tensor } from '../graph/ir.js';
import { saveOnnx } from '../graph/onnx.js';
import { emptyGraph } from '../engine/testing.js';
import { loadOnnxModel, type OnnxModel, type OnnxModelOptions } from '../engine/onnx.js';
import { functionModel, type FunctionModel } from '../engine/function.js';
import type { Model, RunAsk } from '../engine/model.js';
import { Rng } from '../random.js';

export class Builder {
  readonly graph: Graph;
  constructor(name = 'test') {
    this.graph = emptyGraph(name);
  }
  private count = 0;
  input(shape: number[]): string {
    this.graph.inputs.push({ name: 'input', dtype: 'float32', shape: ['batch', ...shape] });
    return 'input';
  }
  init(t: Tensor): string {
    const name = `c${this.count++}`;
    this.graph.initializers.set(name, initializerFromTensor(name, t));
    return name;
  }
  floats(values: ArrayLike<number>, dims: number[] = [values.length]): string {
    return this.init(float32Tensor(Array.from(values), dims));
  }
  /** Adds a node; its output is `name`, else the op's name with a counter. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    const out = name ?? `${opType.toLowerCase()}${this.count++}`;
    this.graph.nodes.push({ name: out, opType, domain: '', inputs, outputs: [out], attrs });
    return out;
  }
  output(name: string): Uint8Array {
    this.graph.outputs.push({ name, dtype: 'float32', shape: null });
    return saveOnnx(this.graph);
  }
}

export const ints = (value: number[]): AttrValue => ({ kind: 'ints', value });
export const int = (value: number): AttrValue => ({ kind: 'int', value });

/** f(x) = 1 - ReLU(1 - x), one input, one output (the IG paper's sensitivity example). */
export function saturatingReluOnnx(): Uint8Array {
  const b = new Builder();
  const x = b.input([1]);
  const one = b.floats([1], [1]);
  const r = b.op('Relu', [b.op('Sub', [one, x])]);
  return b.output(b.op('Sub', [one, r]));
}

/** y = W x + bias with W of shape [k, d] (Gemm, transB). */
export function linearOnnx(weights: number[][], bias: number[]): Uint8Array {
  const b = new Builder();
  const k = weights.length;
  const d = weights[0].length;
  const x = b.input([d]);
  return b.output(b.op('Gemm', [x, b.floats(weights.flat(), [k, d]), b.floats(bias, [k])], { transB: int(1) }));
}

/** f(x, y, z) = 5x + y^2 + tanh(z), as a [1] output (PAIR saliency's analytic check, tanh for sin). */
export function polynomialOnnx(): Uint8Array {
  const b = new Builder();
  const x = b.input([3]);
  const lin = b.op('Mul', [x, b.floats([5, 0, 0], [1, 3])]);
  const sq = b.op('Mul', [b.op('Mul', [x, x]), b.floats([0, 1, 0], [1, 3])]);
  const th = b.op('Mul', [b.op('Tanh', [x]), b.floats([0, 0, 1], [1, 3])]);
  const total = b.op('Add', [b.op('Add', [lin, sq]), th]);
  return b.output(b.op('ReduceSum', [total, b.init(int64Tensor([1]))], { keepdims: int(1) }));
}

/** A small CNN without shape ops: Conv-ReLU-MaxPool-Conv1x1-ReduceMean, input [3, 8, 8], 4 classes. */
export function smallCnnOnnx(): Uint8Array {
  const b = new Builder();
  const x = b.input([3, 8, 8]);
  const w1 = Array.from({ length: 6 * 3 * 9 }, (_, i) => Math.sin(i * 1.37 + 0.3) * 0.4);
  const b1 = Array.from({ length: 6 }, (_, i) => Math.cos(i) * 0.1);
  const w2 = Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i * 0.91 + 1.1) * 0.8);
  const c1 = b.op('Conv', [x, b.floats(w1, [6, 3, 3, 3]), b.floats(b1, [6])], { pads: ints([1, 1, 1, 1]) });
  const p = b.op('MaxPool', [b.op('Relu', [c1])], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  const c2 = b.op('Conv', [b.op('Tanh', [p]), b.floats(w2, [4, 6, 1, 1])]);
  return b.output(b.op('ReduceMean', [c2], { axes: ints([2, 3]), keepdims: int(0) }));
}

export function load(bytes: Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  return loadOnnxModel(bytes, { threads: 1, ...options });
}

/** y = W x + bias as a plain-function model. */
export function linearFunction(weights: number[][], bias: number[], batchSize = 16): FunctionModel {
  const k = weights.length;
  const d = weights[0].length;
  return functionModel({
    inputShape: [d],
    outputShape: [k],
    batchSize,
    forward: (x) => weights.map((row, r) => row.reduce((s, w, j) => s + w * x[j], bias[r])),
    vjp: (_x, cot) => Array.from({ length: d }, (_, j) => weights.reduce((s, row, r) => s + cot[r] * row[j], 0)),
  });
}

/** f(x, y, z) = 5x + y^2 + sin z as a plain-function model. */
export function polynomialFunction(): FunctionModel {
  return functionModel({
    inputShape: [3],
    outputShape: [1],
    forward: (v) => [5 * v[0] + v[1] * v[1] + Math.sin(v[2])],
    vjp: (v, cot) => [5 * cot[0], 2 * v[1] * cot[0], Math.cos(v[2]) * cot[0]],
  });
}

export { relativeL2, maxAbsDiff } from '../engine/numeric.js';

/** Wrap a model to record how many examples each run call received. */
export function spyModel<M extends Model>(model: M): M & { maxExamples: number; runCalls: number } {
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  const spy = Object.create(model) as M & { maxExamples: number; runCalls: number };
  spy.maxExamples = 0;
  spy.runCalls = 0;
  spy.run = async (batch: Float32Array, ask: RunAsk) => {
    spy.maxExamples = Math.max(spy.maxExamples, batch.length / per);
    spy.runCalls++;
    return model.run(batch, ask);
  };
  return spy;
}

/** Deterministic pseudo-random values in [lo, hi). */
export function pseudoRandom(n: number, seed = 1, lo = 0, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.float());
}
