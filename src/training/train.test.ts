import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFashionMnist } from './data.js';
import { bnCnnCase } from './testing.js';
import { accuracy, train, tf } from './train.js';
import { exportOnnx } from './export.js';
import { inputTensor, predictLogits, trainStep } from './tfjsForward.js';
import { loadOnnxModel, openSessionCount } from '../engine/onnx.js';
import { useBackend } from '../engine/tfjs/backend.js';

const data = loadFashionMnist('train', { limit: 256, seed: 0 });
const test1 = loadFashionMnist('test', { limit: 200, seed: 1 });
const same = (a: { params: { data: Float32Array }[] }, b: { params: { data: Float32Array }[] }) =>
  a.params.every((p, i) => p.data.every((v, j) => v === b.params[i].data[j]));

test('TensorFlow.js training is reproducible with a seed, learns, and leaves no tensors behind', async () => {
  await useBackend('wasm');
  const before = tf.memory().numTensors;
  const a = await train(data, { backend: 'wasm', architecture: 'small', epochs: 2, seed: 3 });
  const b = await train(data, { backend: 'wasm', architecture: 'small', epochs: 2, seed: 3 });
  const c = await train(data, { backend: 'wasm', architecture: 'small', epochs: 2, seed: 4 });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(same(a, b), 'same seed, same weights');
  assert.ok(!same(a, c), 'another seed, other weights');
  const acc = accuracy(a, test1);
  assert.ok(acc > 0.4, `test accuracy after 2 epochs on 256 images is ${acc}; chance is 0.1`);
  assert.ok(a.history[1].loss < a.history[0].loss);
});

test('an interrupted TensorFlow.js run resumes from its checkpoint to the same weights', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saliency-train-'));
  try {
    const straight = await train(data, { backend: 'wasm', architecture: 'small', epochs: 2, seed: 5 });
    const first = await train(data, { backend: 'wasm', architecture: 'small', epochs: 1, seed: 5, checkpoint: dir });
    assert.equal(first.history.length, 1);
    const resumed = await train(data, { backend: 'wasm', architecture: 'small', epochs: 2, seed: 5, checkpoint: dir });
    assert.deepEqual(resumed.history.map((h) => h.epoch), [1, 2]);
    assert.ok(same(straight, resumed));
    await assert.rejects(train(data, { backend: 'wasm', architecture: 'small', epochs: 2, seed: 6, checkpoint: dir }), /another training run/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the exported ONNX model (batch norm folded) computes the trained network', async () => {
  const m = await train(data, { architecture: 'fashion', epochs: 1, seed: 0 });
  const sessions = openSessionCount();
  const onnx = await loadOnnxModel(exportOnnx(m));
  const x = test1.images.subarray(0, 32 * 784);
  const want = predictLogits(m.architecture, m.params, x, 32, m.inputShape, m.normalisation.mean, m.normalisation.std);
  const got = (await onnx.run(x, { outputs: ['logits'] })).logits;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]));
  assert.ok(worst < 1e-3, `ONNX and tfjs logits differ by ${worst}`);
  await onnx.dispose();
  assert.equal(openSessionCount(), sessions);
});

test('the custom conv gradients equal TensorFlow.js autodiff of tf.conv2d', async () => {
  await useBackend('cpu');
  const { forward } = await import('./tfjsForward.js');
  const arch = { name: 't', channels: [3], batchNorm: false };
  const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 2, 3, 3], 0, 1, 'float32', 2);
  const fc = tf.randomNormal([4, 27], 0, 1, 'float32', 3);
  const p = (ww: tf.Tensor) => new Map<string, tf.Tensor>([['conv1.weight', ww], ['conv1.bias', tf.zeros([3])], ['fc.weight', fc], ['fc.bias', tf.zeros([4])]]);
  const ours = tf.grads((a: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(forward(arch, p(ww), a as tf.Tensor4D, true))))([x, w]);
  const reference = tf.grads((a: tf.Tensor, ww: tf.Tensor) => {
    const h = tf.relu(tf.conv2d(a as tf.Tensor4D, tf.transpose(ww, [2, 3, 1, 0]) as tf.Tensor4D, 1, 'same'));
    const pooled = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
    const flat = tf.reshape(tf.transpose(pooled, [0, 3, 1, 2]), [2, -1]);
    return tf.sum(tf.square(tf.matMul(flat, fc, false, true)));
  })([x, w]);
  for (let k = 0; k < 2; k++) {
    const d = tf.max(tf.abs(tf.sub(ours[k], reference[k]))).dataSync()[0];
    assert.ok(d < 1e-3, `gradient ${k} differs by ${d}`);
  }
  tf.dispose([x, w, fc, ...ours, ...reference]);
  await useBackend('wasm');
});

test('one TensorFlow.js step (wasm) gives the weight gradients of PyTorch autograd, ties in max pooling included', async () => {
  // fixtures/weight-gradients/bn_cnn.json (scripts/make_weight_gradient_fixtures.py): real images, whose flat
  // background makes tied maxima in the pooling windows; the gradient goes to the first, as in PyTorch
  await useBackend('wasm');
  const { fixture: f, images, arch, params } = bnCnnCase(); // fixtures/weight-gradients/bn_cnn.json
  const before = tf.memory().numTensors;
  const x = inputTensor(images, 8, [1, 28, 28], f.normalisation.mean, f.normalisation.std);
  const step = trainStep(arch, params, x, Int32Array.from(f.labels), 10);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Math.abs(step.loss - f.loss) < 1e-5, `loss ${step.loss}, PyTorch ${f.loss}`);
  const rel = (a: ArrayLike<number>, b: number[]) => Math.sqrt(b.reduce((s, v, i) => s + (a[i] - v) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
  const trainable = params.filter((p) => p.trainable);
  step.gradients.forEach((g, k) => {
    const err = rel(g, f.gradients[trainable[k].name]);
    assert.ok(err < 1e-3, `${trainable[k].name}: relative L2 error ${err} against PyTorch`);
  });
});
