/** A model with two outputs: the first is explained unless another is named; inspect lists both. */
import test from 'node:test';
import assert from 'node:assert/strict';

import { loadOnnx, saveOnnx } from '../graph/onnx.js';
import { loadOnnxModel } from './onnx.js';

const FASHION = new URL('../../models/fashion-mnist/model.onnx', import.meta.url).pathname;

function twoOutputs(): { bytes: Uint8Array; second: string } {
  const g = loadOnnx(FASHION);
  const relu = g.nodes.find((n) => n.opType === 'Relu')!;
  g.outputs.push({ name: relu.outputs[0], dtype: 'float32', shape: null });
  return { bytes: saveOnnx(g), second: relu.outputs[0] };
}

test('two outputs: the first is explained by default, the other on request; both are listed', async () => {
  const { bytes, second } = twoOutputs();
  const first = await loadOnnxModel(bytes);
  const other = await loadOnnxModel(bytes, { output: second });
  try {
    assert.deepEqual(first.outputShape, [10]);
    assert.deepEqual(first.inspect().outputNames, ['logits', second]);
    assert.equal(other.inspect().outputName, second);
    assert.ok(other.outputShape.length === 3, String(other.outputShape));
    await assert.rejects(loadOnnxModel(bytes, { output: 'nope' }), /no output named 'nope'; its outputs: logits, /);
  } finally {
    await first.dispose();
    await other.dispose();
  }
});

