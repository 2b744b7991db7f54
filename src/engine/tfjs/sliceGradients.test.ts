/**
 * Gradients added for detector heads (CenterNet): StridedSlice (with strides and a shrunk
 * axis), TopK, GatherV2 whose indices are computed from the input, and comparisons; checked
 * on small tensors against their analytic gradients, on wasm and cpu.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { installTfjsFixes } from './kernels.js';
import { useBackend, type TfjsBackend } from './backend.js';

const X = [0.3, -1.2, 2.5, 0.7, 1.1, -0.4, 0.9, 3.1, -2.2, 0.05, 1.7, -0.8];
const W = [1.5, -2, 0.25, 3, -0.5, 1, 2, -1, 0.75, -0.25, 0.5, 4];

function gradOf(f: (x: tf.Tensor) => tf.Tensor, shape: number[]): number[] {
  installTfjsFixes();
  return tf.tidy(() => Array.from(tf.grad(f)(tf.tensor(X, shape)).dataSync()));
}

for (const backend of ['wasm', 'cpu'] as TfjsBackend[]) {
  test(`${backend}: StridedSlice, TopK, computed-index GatherV2 and Equal gradients`, async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    // rows 0 and 2, columns 1 and 3 of a 3 x 4
    const g1 = gradOf((x) => tf.sum(tf.mul(tf.stridedSlice(x, [0, 1], [3, 4], [2, 2]), tf.tensor([1, 2, 3, 4], [2, 2]))), [3, 4]);
    assert.deepEqual(g1, [0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]);
    // row 1 with the first axis shrunk away
    const g2 = gradOf((x) => tf.sum(tf.mul(tf.stridedSlice(x, [1, 0], [2, 4], [1, 1], 0, 0, 0, 0, 1), tf.tensor(W.slice(0, 4)))), [3, 4]);
    assert.deepEqual(g2, [0, 0, 0, 0, ...W.slice(0, 4), 0, 0, 0, 0]);
    // top 2 of each row of a 2 x 6: row 0 -> 2.5 (2), 1.1 (4); row 1 -> 3.1 (1), 1.7 (4)
    const g3 = gradOf((x) => tf.sum(tf.mul(tf.topk(x, 2).values, tf.tensor([10, 20, 30, 40], [2, 2]))), [2, 6]);
    assert.deepEqual(g3, [0, 0, 10, 0, 20, 0, 0, 30, 0, 0, 40, 0]);
    // indices computed from x (0 * x + 2, cast): gather picks element 2 twice
    const g4 = gradOf((x) => tf.sum(tf.gather(x, tf.cast(tf.add(tf.mul(tf.slice(x, [0], [2]), 0), 2), 'int32'))), [12]);
    assert.deepEqual(g4, [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // a comparison is piecewise constant: d/dx sum(x * (x == x)) = 1
    const g5 = gradOf((x) => tf.sum(tf.mul(x, tf.cast(tf.equal(x, x), 'float32'))), [12]);
    assert.deepEqual(g5, new Array(12).fill(1));
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });
}
