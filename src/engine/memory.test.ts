/**
 * The default batch size follows the model's activation memory: tiny models take 64, small
 * ones 16, a model whose example computes hundreds of MB runs one example per call.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadOnnxModel } from './onnx.js';
import { ACTIVATION_BUDGET_BYTES, MAX_BATCH, preferredBatchSize, TINY_CALL_BYTES, TINY_MAX_BATCH } from './memory.js';
import { wideSigmoidChainOnnx } from './testing.js';

const ROOT = new URL('../../', import.meta.url).pathname;

test('preferredBatchSize: as many examples as fit the budget, 1 to 16; tiny models up to 64', () => {
  assert.equal(preferredBatchSize(ACTIVATION_BUDGET_BYTES / 5), 5);
  assert.equal(preferredBatchSize(ACTIVATION_BUDGET_BYTES * 3), 1);
  assert.equal(preferredBatchSize(0), MAX_BATCH);
  // from 1 MB per example down, a call of at most TINY_CALL_BYTES: 16 at 1 MB, 32 at 0.5 MB, 64 below 0.25 MB
  assert.equal(TINY_CALL_BYTES / MAX_BATCH, 2 ** 20);
  assert.equal(preferredBatchSize(2 ** 20), MAX_BATCH);
  assert.equal(preferredBatchSize(2 ** 19), 32);
  assert.equal(preferredBatchSize(1000), TINY_MAX_BATCH);
  // above 1 MB per example nothing changed (mobilenet_v2 ~50 MB: 5, resnet18 ~22 MB: 11)
  assert.equal(preferredBatchSize(4 * 2 ** 20), MAX_BATCH);
  assert.equal(preferredBatchSize(50 * 2 ** 20), 5);
  assert.equal(preferredBatchSize(22 * 2 ** 20), 11);
  // a smaller budget bounds tiny models too
  assert.equal(preferredBatchSize(1000, 16_000), 16);
});

test('models: tiny ones batch 64, a wide one 1; an explicit batch size wins', async () => {
  const small = await loadOnnxModel(join(ROOT, 'models/fashion-mnist/model.onnx'));
  const tiny = await loadOnnxModel(join(ROOT, 'fixtures/vit/tiny_vit.onnx'));
  const wide = await loadOnnxModel(wideSigmoidChainOnnx(64));
  const wide4 = await loadOnnxModel(wideSigmoidChainOnnx(64), { batchSize: 4 });
  try {
    // the Fashion-MNIST CNN: 0.18 MB of activations per example; the tiny ViT less still
    assert.ok(small.activationBytesPerExample < 2 ** 18, String(small.activationBytesPerExample));
    assert.equal(small.batchSize, TINY_MAX_BATCH);
    assert.equal(tiny.batchSize, TINY_MAX_BATCH);
    // 64 tensors of 1024 x 1024 float32 (4 MB each) per example
    assert.ok(Math.abs(wide.activationBytesPerExample - 64 * 4 * 2 ** 20) < 2 ** 20, String(wide.activationBytesPerExample));
    assert.equal(wide.batchSize, 1);
    assert.deepEqual(wide.inspect().memory, { activationBytesPerExample: wide.activationBytesPerExample, preferredBatchSize: 1, batchSize: 1 });
    assert.equal(wide4.batchSize, 4);
  } finally {
    for (const m of [small, tiny, wide, wide4]) await m.dispose();
  }
});
