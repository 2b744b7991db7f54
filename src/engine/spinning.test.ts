/**
 * `spinning: false` asks onnxruntime for intra-op threads that sleep after a run
 * (session.intra_op.allow_spinning = '0'); the default leaves onnxruntime's setting alone.
 * The values are the same either way.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx } from '../graph/onnx.js';
import { Rng } from '../random.js';
import { OnnxRuntimeModel, openSessionCount, type OrtRuntime } from './onnxRuntimeModel.js';

const ROOT = new URL('../../', import.meta.url).pathname;

test('spinning: false reaches onnxruntime as allow_spinning 0, with the same outputs and gradients', async () => {
  const before = openSessionCount();
  const seen: Array<Record<string, unknown> | undefined> = [];
  const runtime: OrtRuntime = {
    InferenceSession: { create: (bytes, options) => (seen.push(options), ort.InferenceSession.create(bytes, options)) },
    Tensor: ort.Tensor,
    defaultThreads: 2,
  };
  const graph = loadOnnx(join(ROOT, 'models/fashion-mnist/model.onnx'));
  const spinning = new OnnxRuntimeModel(graph, {}, runtime);
  const sleeping = new OnnxRuntimeModel(graph, { spinning: false }, runtime);
  try {
    const x = new Rng(4).fillUniform(new Float32Array(3 * 784));
    const ask = { outputs: ['logits'], gradients: { seed: new Float32Array(30).fill(1), wrt: ['input'] } };
    const a = await spinning.run(x, ask);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!['extra'], undefined);
    const b = await sleeping.run(x, ask);
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1]!['extra'], { session: { intra_op: { allow_spinning: '0' } } });
    assert.deepEqual(b['logits'], a['logits']);
    assert.deepEqual(b['grad:input'], a['grad:input']);
  } finally {
    await spinning.dispose();
    await sleeping.dispose();
  }
  assert.equal(openSessionCount(), before);
});
