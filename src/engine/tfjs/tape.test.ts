import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { useBackend } from './backend.js';
import { valueAndGradients, GradientError } from './tape.js';

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: a gradient that throws leaks nothing and names the op`, async () => {
    await useBackend(backend);
    const x = tf.tensor2d([[3, 1, 2, 5], [4, 0, 7, 6]]);
    const before = tf.memory();
    // CropAndResize has no registered gradient: stock tf.grad leaves the tape's saved tensors behind
    const crop = (v: Tensor) => tf.image.cropAndResize(tf.reshape(v, [1, 2, 4, 1]) as tf.Tensor4D, [[0, 0, 1, 1]], [0], [2, 2]);
    const f = () => tf.sum(tf.mul(crop(tf.relu(tf.mul(x, 2))), tf.sum(tf.exp(x))));
    for (let i = 0; i < 3; i++) {
      assert.throws(
        () => tf.tidy(() => valueAndGradients(f, [x]).grads[0]),
        (e: unknown) => e instanceof GradientError && e.kernel === 'CropAndResize' && /CropAndResize/.test(e.message),
      );
    }
    const after = tf.memory();
    assert.equal(after.numTensors, before.numTensors, 'tensors leaked');
    assert.equal(after.numBytes, before.numBytes, 'bytes leaked');
    // the engine is still usable
    const g = tf.tidy(() => valueAndGradients(() => tf.sum(tf.square(x)), [x]).grads[0].arraySync());
    assert.deepEqual(g, [[6, 2, 4, 10], [8, 0, 14, 12]]);
    x.dispose();
  });
}

test('gradients of unused inputs are zeros, and dy seeds the backward pass', async () => {
  await useBackend('wasm');
  tf.tidy(() => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([5, 6]);
    const { value, grads } = valueAndGradients(() => tf.mul(a, a), [a, b], tf.tensor1d([1, 10]));
    assert.deepEqual(Array.from(value.dataSync()), [1, 4]);
    assert.deepEqual(Array.from(grads[0].dataSync()), [2, 40]);
    assert.deepEqual(Array.from(grads[1].dataSync()), [0, 0]);
  });
});

test('stock tf.grad does leak in the same situation (why tape.ts exists)', async () => {
  await useBackend('wasm');
  const x = tf.tensor1d([3, 1, 2]);
  const before = tf.memory().numTensors;
  assert.throws(() => tf.tidy(() => tf.grad((v: Tensor) => tf.sum(tf.image.cropAndResize(tf.reshape(tf.exp(v), [1, 1, 3, 1]) as tf.Tensor4D, [[0, 0, 1, 1]], [0], [2, 2])))(x)));
  const leaked = tf.memory().numTensors - before;
  assert.ok(leaked > 0, 'tfjs no longer leaks here: tape.ts may be simplified');
  // clean up what stock tfjs left behind, for the tests after this one
  const state = tf.engine().state;
  for (const node of state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null as unknown as typeof state.activeTape;
  x.dispose();
  assert.equal(tf.memory().numTensors, before - 1);
});
