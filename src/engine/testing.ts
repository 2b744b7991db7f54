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
