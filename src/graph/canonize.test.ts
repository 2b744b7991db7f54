/**
 * poolBeforeRelu: the rewritten graph computes the same outputs and the same plain gradients
 * bit for bit, ties included, and leaves alone a ReLU whose output is asked for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Tensor } from './ir.js';
import { poolBeforeRelu } from './canonize.js';
import { computeGradients, makeGraph, makeRng, randomData } from '../engine/gradcheck.js';

const rng = makeRng(7);

function cnn() {
  return makeGraph({
    inputs: { x: [2, 2, 6, 6] },
    initializers: { w: float32Tensor(randomData(36, rng), [2, 2, 3, 3]), fc: float32Tensor(randomData(36, rng), [2, 18]) },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fc'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    outputs: ['y'],
  });
}

test('poolBeforeRelu: same gradients bit for bit, ties and all-negative windows included', async () => {
  const graph = cnn();
  const swapped = poolBeforeRelu(graph, new Set(['y']));
  assert.deepEqual(swapped.nodes.map((n) => n.opType), ['Conv', 'MaxPool', 'Relu', 'Flatten', 'Gemm']);
  assert.equal(swapped.nodes[2].outputs[0], 'p', 'the pooled output keeps its name');
  // an image of zeros and repeated values: conv outputs tie inside windows, some windows are all <= 0
  const x = Float32Array.from({ length: 144 }, (_, i) => (i % 7 < 3 ? 0 : (i % 3) - 1));
  const seed = Float32Array.from({ length: 4 }, (_, i) => i - 1.5);
  const feeds = { x: { dims: [2, 2, 6, 6], data: x } };
  const a = await computeGradients(graph, feeds, { y: seed }, { wrt: ['x', 'w'] });
  const b = await computeGradients(swapped, feeds, { y: seed }, { wrt: ['x', 'w'] });
  assert.deepEqual(Array.from(b.x), Array.from(a.x));
  assert.deepEqual(Array.from(b.w), Array.from(a.w));
  assert.ok(a.x.some((v) => v !== 0));
});

test('poolBeforeRelu leaves a ReLU whose output is kept (a tap, an output) or read twice', () => {
  const graph = cnn();
  assert.equal(poolBeforeRelu(graph, new Set(['r'])), graph);
  const twice = { ...graph, nodes: [...graph.nodes, { name: 'extra', opType: 'Identity', domain: '', inputs: ['r'], outputs: ['r2'], attrs: {} }] };
  assert.equal(poolBeforeRelu(twice, new Set()), twice);
});
