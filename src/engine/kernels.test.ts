/**
 * Small compute graphs on the registered onnxruntime: values, the session count, and a
 * disposed kernel refusing to run.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { openSessionCount } from './onnx.js'; // registers onnxruntime-node
import { openKernel } from './kernels.js';
import { emptyGraph } from './testing.js';

test('a kernel runs its graph on float32 inputs, counts its session, and releases it once', async () => {
  const graph = emptyGraph('matmul');
  graph.inputs.push({ name: 'a', dtype: 'float32', shape: ['n', 2, 3] }, { name: 'b', dtype: 'float32', shape: [3, 2] });
  graph.nodes.push({ name: 'mm', opType: 'MatMul', domain: '', inputs: ['a', 'b'], outputs: ['y'], attrs: {} });
  graph.outputs.push({ name: 'y', dtype: 'float32', shape: null });
  const before = openSessionCount();
  const kernel = await openKernel(graph, 1);
  assert.ok(kernel, 'onnxruntime-node is registered by engine/onnx.ts');
  assert.equal(openSessionCount(), before + 1);
  const out = await kernel.run({ a: { data: Float32Array.of(1, 2, 3, 4, 5, 6, 0, 1, 0, 1, 0, 1), dims: [2, 2, 3] }, b: { data: Float32Array.of(1, 0, 0, 1, 1, 1), dims: [3, 2] } });
  assert.deepEqual(Array.from(out['y']), [4, 5, 10, 11, 0, 1, 2, 1]);
  await kernel.dispose();
  await kernel.dispose();
  assert.equal(openSessionCount(), before);
  await assert.rejects(kernel.run({}), /disposed/);
});
