/** A model with large activations and little arithmetic, for the batch-size tests (not shipped API). */
import type { Graph } from '../graph/ir.js';
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
