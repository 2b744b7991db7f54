/**
 * Tap overrides (RunAsk.overrides) and the linear head reader, on graphs built here:
 * f(x) = 3 relu(x) + x, where the skip path bypasses the tap 'h'.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { Graph } from '../graph/ir.js';
import { float32Tensor, initializerFromTensor } from '../graph/ir.js';
import { OnnxModel } from './onnx.js';
import { classLogit } from '../targets/index.js';

function skipGraph(): Graph {
  const graph: Graph = {
    name: 'skip', nodes: [], inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }], outputs: [{ name: 'y', dtype: 'float32', shape: null }],
    initializers: new Map([['three', initializerFromTensor('three', float32Tensor([3], [1]))]]), valueInfo: new Map(),
    opset: 17, otherOpsets: {}, irVersion: 8, producer: 'test',
  };
  graph.nodes.push({ name: 'relu', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['h'], attrs: {} });
  graph.nodes.push({ name: 'scale', opType: 'Mul', domain: '', inputs: ['h', 'three'], outputs: ['s'], attrs: {} });
  graph.nodes.push({ name: 'skip', opType: 'Add', domain: '', inputs: ['s', 'x'], outputs: ['y'], attrs: {} });
  return graph;
}

test('overrides replace a tap for its consumers while bypassing paths still see the input', async () => {
  const model = new OnnxModel(skipGraph(), { threads: 1, batchSize: 2 });
  try {
    const x = Float32Array.from([1, -2, 0.5, 4, -1, 2]); // 3 examples
    const v = Float32Array.from([10, 20, 30, 40, 50, 60]);
    const r = await model.run(x, { outputs: ['logits'], overrides: { h: v } });
    assert.deepEqual([...r['logits']], [...v].map((h, i) => 3 * h + x[i]));
    const g = await model.run(x, { overrides: { relu: v }, gradients: { seed: classLogit([0, 1, 1], 2), wrt: ['h', 'input'] } });
    assert.deepEqual([...g['grad:h']], [3, 0, 0, 3, 0, 3]);
    assert.deepEqual([...g['grad:input']], [1, 0, 0, 1, 0, 1]); // only the skip path: the tap is cut
    assert.deepEqual([...g['target']], [3 * 10 + 1, 3 * 40 + 4, 3 * 60 + 2]);
    // without overrides the model is unchanged (its own session)
    assert.deepEqual([...(await model.run(x, { outputs: ['logits'] }))['logits']], [...x].map((t) => 3 * Math.max(t, 0) + t));
    await assert.rejects(model.run(x, { outputs: ['logits'], overrides: { h: v.subarray(0, 4) } }), /expected 3 x 2/);
    await assert.rejects(model.run(x, { outputs: ['logits'], overrides: { input: v } }), /inner taps/);
  } finally {
    await model.dispose();
  }
});

test('linearHead names what is missing when the layer does not feed a GAP + linear head', async () => {
  const model = new OnnxModel(skipGraph(), { threads: 1 });
  try {
    assert.throws(() => model.linearHead('h'), /CAM needs a conv -> global average pool.*feeds Mul 'scale'/);
  } finally {
    await model.dispose();
  }
});
