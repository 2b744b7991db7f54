/**
 * The default batch size follows the model's activation memory: small models keep 16,
 * a model whose example computes hundreds of MB runs one example per call.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOnnxModel } from './onnx.js';
import { ACTIVATION_BUDGET_BYTES, MAX_BATCH, preferredBatchSize } from './memory.js';
import { wideSigmoidChainOnnx } from './testing.js';

const ROOT = new URL('../../', import.meta.url).pathname;

test('preferredBatchSize: as many examples as fit the budget, 1 to 16', () => {
  assert.equal(preferredBatchSize(1000), MAX_BATCH);
  assert.equal(preferredBatchSize(ACTIVATION_BUDGET_BYTES / 5), 5);
  assert.equal(preferredBatchSize(ACTIVATION_BUDGET_BYTES * 3), 1);
  assert.equal(preferredBatchSize(0), MAX_BATCH);
});

test('models: small ones batch 16, a wide one 1; an explicit batch size wins', async () => {
  const small = await loadOnnxModel(join(ROOT, 'models/fashion-mnist/model.onnx'));
  const tiny = await loadOnnxModel(join(ROOT, 'fixtures/vit/tiny_vit.onnx'));
  const wide = await loadOnnxModel(wideSigmoidChainOnnx(64));
  const wide4 = await loadOnnxModel(wideSigmoidChainOnnx(64), { batchSize: 4 });
  try {
    assert.equal(small.batchSize, 16);
    assert.equal(tiny.batchSize, 16);
    // 64 tensors of 1024 x 1024 float32 (4 MB each) per example
    assert.ok(Math.abs(wide.activationBytesPerExample - 64 * 4 * 2 ** 20) < 2 ** 20, String(wide.activationBytesPerExample));
    assert.equal(wide.batchSize, 1);
    assert.deepEqual(wide.inspect().memory, { activationBytesPerExample: wide.activationBytesPerExample, preferredBatchSize: 1, batchSize: 1 });
    assert.equal(wide4.batchSize, 4);
  } finally {
    for (const m of [small, tiny, wide, wide4]) await m.dispose();
  }
});
