/** A model with large activations and little arithmetic, for the batch-size tests (not shipped API). */
import type { Graph } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor } from '../graph/ir.js';
import { saveOnnx } from '../graph/onnx.js';

/** A graph with nothing in it yet (opset 17), for tests that build their models in the IR. */
export function emptyGraph(name: string): Graph {
  return {
    name,
    nodes: [],
    inputs: [],
    outputs: [],
    initializers: new Map(),
    valueInfo: new Map(),
    opset: 17,
    otherOpsets: {},
    irVersion: 8,
    producer: 'saliency-lab tests',
  };
}

/** input [1, 1024, width] -> `depth` Sigmoids -> ReduceMean over the image -> [1] (the output). */
export function wideSigmoidChainOnnx(depth: number, width = 1024): Uint8Array {
  const graph: Graph = {
    ...emptyGraph('wide'),
    inputs: [{ name: 'input', dtype: 'float32', shape: ['n', 1, 1024, width] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: null }],
  };
  let x = 'input';
  for (let i = 0; i < depth; i++) {
    graph.nodes.push({ name: `sigmoid${i}`, opType: 'Sigmoid', domain: '', inputs: [x], outputs: [`s${i}`], attrs: {} });
    x = `s${i}`;
  }
  graph.nodes.push({ name: 'mean', opType: 'ReduceMean', domain: '', inputs: [x], outputs: ['logits'], attrs: { axes: { kind: 'ints', value: [2, 3] }, keepdims: { kind: 'int', value: 0 } } });
  return saveOnnx(graph);
}

/** The tiny CNN of fixtures/weight-gradients/tiny_cnn.json (scripts/make_weight_gradient_fixtures.py). */
export interface TinyCnnFixture {
  input: { dims: number[]; data: number[] };
  labels: number[];
  params: Record<string, { dims: number[]; data: number[] }>;
  logits: number[];
  labelLogitGradients: Record<string, number[]>;
  loss: number;
  lossGradients: Record<string, number[]>;
}

/** input [n, 2, 6, 6] -> Conv 3x3 pad 1 (+bias) -> Relu -> MaxPool 2 -> Flatten -> Gemm -> logits [n, 4]. */
export function tinyCnnGraph(f: TinyCnnFixture): Graph {
  const graph: Graph = {
    ...emptyGraph('tiny-cnn'),
    inputs: [{ name: 'input', dtype: 'float32', shape: ['n', 2, 6, 6] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: ['n', 4] }],
  };
  for (const [name, p] of Object.entries(f.params)) {
    graph.initializers.set(name, initializerFromTensor(name, float32Tensor(p.data, p.dims)));
  }
  const ints = (value: number[]) => ({ kind: 'ints' as const, value });
  const node = (name: string, opType: string, inputs: string[], attrs: Graph['nodes'][number]['attrs'] = {}) =>
    graph.nodes.push({ name, opType, domain: '', inputs, outputs: [name === 'fc' ? 'logits' : name], attrs });
  node('conv', 'Conv', ['input', 'conv.weight', 'conv.bias'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  node('relu', 'Relu', ['conv']);
  node('pool', 'MaxPool', ['relu'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
  node('flatten', 'Flatten', ['pool'], { axis: { kind: 'int', value: 1 } });
  node('fc', 'Gemm', ['flatten', 'fc.weight', 'fc.bias'], { transB: { kind: 'int', value: 1 } });
  return graph;
}

/**
 * A small mobilenet-like image net, input [n, 3, H, W] (any size >= 8): Conv 3x3 stride 2 pad 1
 * -> BN -> Clip(0, 6) -> depthwise Conv 3x3 -> BN -> Relu -> Conv 1x1 -> Add (residual) ->
 * [itself, AveragePool 3x3 pad 1 without the pads] concatenated on channels ->
 * Conv 3x3 stride 2 -> HardSwish -> MaxPool 3x3 stride 1 pad 1 -> Mul by a per-channel constant
 * -> GlobalAveragePool -> Flatten -> Gemm -> 10 logits. Deterministic weights.
 */
export function localConvNet(): Graph {
  const graph: Graph = {
    ...emptyGraph('local-conv-net'),
    inputs: [{ name: 'input', dtype: 'float32', shape: ['n', 3, 'h', 'w'] }],
    outputs: [{ name: 'logits', dtype: 'float32', shape: null }],
  };
  let seed = 0;
  const values = (dims: number[], scale: number, shift = 0) =>
    Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => shift + scale * Math.sin(++seed * 2.3771 + 0.5));
  const init = (name: string, dims: number[], scale: number, shift = 0) =>
    graph.initializers.set(name, initializerFromTensor(name, float32Tensor(values(dims, scale, shift), dims)));
  const ints = (value: number[]) => ({ kind: 'ints' as const, value });
  const node = (opType: string, inputs: string[], output: string, attrs: Graph['nodes'][number]['attrs'] = {}) =>
    graph.nodes.push({ name: output, opType, domain: '', inputs, outputs: [output], attrs });
  const bn = (x: string, out: string, c: number) => {
    for (const [k, scale, shift] of [['s', 0.3, 1], ['b', 0.2, 0], ['m', 0.1, 0], ['v', 0.2, 1]] as const) init(`${out}.${k}`, [c], scale, shift);
    node('BatchNormalization', [x, `${out}.s`, `${out}.b`, `${out}.m`, `${out}.v`], out);
  };
  init('c1.w', [8, 3, 3, 3], 0.4);
  init('c1.b', [8], 0.1);
  init('dw.w', [8, 1, 3, 3], 0.5);
  init('pw.w', [8, 8, 1, 1], 0.5);
  init('c3.w', [12, 16, 3, 3], 0.3);
  init('scale', [1, 12, 1, 1], 0.5, 1);
  init('fc.w', [10, 12], 0.5);
  init('fc.b', [10], 0.1);
  graph.initializers.set('lo', initializerFromTensor('lo', float32Tensor([0], [])));
  graph.initializers.set('hi', initializerFromTensor('hi', float32Tensor([6], [])));
  node('Conv', ['input', 'c1.w', 'c1.b'], 'c1', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
  bn('c1', 'bn1', 8);
  node('Clip', ['bn1', 'lo', 'hi'], 'r1');
  node('Conv', ['r1', 'dw.w'], 'dw', { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: { kind: 'int', value: 8 } });
  bn('dw', 'bn2', 8);
  node('Relu', ['bn2'], 'r2');
  node('Conv', ['r2', 'pw.w'], 'pw', { kernel_shape: ints([1, 1]) });
  node('Add', ['pw', 'r1'], 'add');
  node('AveragePool', ['add'], 'ap', { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), count_include_pad: { kind: 'int', value: 0 } });
  node('Concat', ['add', 'ap'], 'cat', { axis: { kind: 'int', value: 1 } });
  node('Conv', ['cat', 'c3.w'], 'c3', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
  node('HardSwish', ['c3'], 'hs');
  node('MaxPool', ['hs'], 'mp', { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  node('Mul', ['mp', 'scale'], 'sc');
  node('GlobalAveragePool', ['sc'], 'gap');
  node('Flatten', ['gap'], 'flat', { axis: { kind: 'int', value: 1 } });
  node('Gemm', ['flat', 'fc.w', 'fc.b'], 'logits', { transB: { kind: 'int', value: 1 } });
  return graph;
}
