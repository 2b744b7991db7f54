import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { useBackend } from './backend.js';
import { withUnfusedOps, unfuseGraphTopology, UNFUSING_PREFIX, isRecording } from './unfused.js';
import { valueAndGradients } from './tape.js';
import { relL2, seededValues } from './testing.js';

const t = (shape: number[], seed: number) => tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed), shape);

async function kernelsOf(f: () => void): Promise<string[]> {
  const info = await tf.profile(f);
  return info.kernels.map((k) => k.name);
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: fused ops run unfused under the tape, fused otherwise, with the same values and gradients`, async () => {
    await useBackend(backend);
    const x = t([2, 6, 6, 3], 1);
    const filter = t([3, 3, 3, 4], 2);
    const dwFilter = t([3, 3, 3, 1], 3);
    const bias = t([4], 4);
    const dwBias = t([3], 5);
    const w = t([4 * 36, 5], 6);
    const b = t([5], 7);
    const net = (v: Tensor) => {
      const h = tf.fused.depthwiseConv2d({ x: v as tf.Tensor4D, filter: dwFilter as tf.Tensor4D, strides: 1, pad: 'same', bias: dwBias, activation: 'linear' });
      const c = tf.fused.conv2d({ x: h as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'linear' });
      return tf.fused.matMul({ a: tf.reshape(c, [2, 4 * 36]) as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: 'linear' });
    };
    const stock = tf.tidy(() => {
      const r = valueAndGradients(() => net(x), [x]);
      return [r.value.dataSync(), r.grads[0].dataSync()] as const;
    });
    const ours = tf.tidy(() => withUnfusedOps(() => {
      const r = valueAndGradients(() => net(x), [x]);
      return [r.value.dataSync(), r.grads[0].dataSync()] as const;
    }));
    assert.ok(relL2(ours[0], stock[0]) < 1e-6);
    assert.ok(relL2(ours[1], stock[1]) < 1e-5);

    const recorded = await kernelsOf(() => tf.tidy(() => withUnfusedOps(() => valueAndGradients(() => net(x), [x]))));
    for (const k of ['FusedConv2D', 'FusedDepthwiseConv2D', '_FusedMatMul', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter']) {
      assert.ok(!recorded.includes(k), `${k} ran while recording a gradient`);
    }
    const plain = await kernelsOf(() => tf.tidy(() => withUnfusedOps(() => net(x))));
    assert.ok(plain.includes('FusedConv2D') && plain.includes('_FusedMatMul'), 'forward passes keep the fused kernels');
    tf.dispose([x, filter, dwFilter, bias, dwBias, w, b]);
  });
}

test('withUnfusedOps restores tf.fused, also after a throw', async () => {
  await useBackend('wasm');
  const stock = tf.fused.conv2d;
  assert.throws(() => withUnfusedOps(() => {
    assert.notEqual(tf.fused.conv2d, stock);
    throw new Error('boom');
  }), /boom/);
  assert.equal(tf.fused.conv2d, stock);
  assert.equal(isRecording(), false);
});

test('unfuseGraphTopology renames fused nodes (and only those) to the registered custom ops', () => {
  const topology = {
    node: [
      { name: 'a', op: 'Placeholder' },
      { name: 'b', op: '_FusedConv2D', input: ['a'] },
      { name: 'c', op: 'FusedDepthwiseConv2dNative', input: ['b'] },
      { name: 'd', op: '_FusedMatMul', input: ['c'] },
      { name: 'e', op: 'Relu', input: ['d'] },
    ],
    library: { function: [{ nodeDef: [{ name: 'f', op: '_FusedConv2D' }] }] },
  };
  const { topology: copy, renamed } = unfuseGraphTopology(topology);
  assert.deepEqual(copy.node!.map((n) => n.op), ['Placeholder', `${UNFUSING_PREFIX}_FusedConv2D`, `${UNFUSING_PREFIX}FusedDepthwiseConv2dNative`, `${UNFUSING_PREFIX}_FusedMatMul`, 'Relu']);
  assert.equal(copy.library!.function![0].nodeDef![0].op, `${UNFUSING_PREFIX}_FusedConv2D`);
  assert.equal(topology.node[1].op, '_FusedConv2D', 'the original is not modified');
  assert.deepEqual([...renamed.entries()], [['b', '_FusedConv2D'], ['c', 'FusedDepthwiseConv2dNative'], ['d', '_FusedMatMul'], ['f', '_FusedConv2D']]);
});
