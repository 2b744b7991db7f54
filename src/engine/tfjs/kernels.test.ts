/**
 * Every kernel and gradient fix of kernels.ts against central finite differences, on the
 * wasm and cpu backends, and the two backends against each other.
 *
 * Each case differentiates f(x) = sum(w * op(x)) (w fixed, random) over every coordinate
 * of a small x. Ops linear in the differentiated argument use a large step (exact up to
 * rounding); the others a small one, on inputs without ties.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { useBackend, type TfjsBackend } from './backend.js';
import { TFJS_FIXES, installTfjsFixes } from './kernels.js';
import { relL2, seededValues } from './testing.js';

const BACKENDS: TfjsBackend[] = ['cpu', 'wasm'];

interface Case {
  name: string;
  /** Fixes (kernel names) the case exercises. */
  covers: string[];
  /** Shape of the differentiated argument. */
  shape: number[];
  /** The op, as a function of the differentiated argument. */
  op: (x: Tensor) => Tensor;
  /** Linear in x: a large step is exact. */
  linear: boolean;
  /** Values of x (default seeded in [-1, 1)). */
  values?: (n: number) => Float32Array;
}

const t4 = (t: Tensor) => t as tf.Tensor4D;
const fixed = (shape: number[], seed: number) => () => tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), seed), shape);

/** Distinct values (a shuffled ramp), so max-pool and ReLU have no ties and no kinks within the step. */
const distinct = (n: number) => {
  const order = seededValues(n, 99).map((v, i) => v * 1000 + i);
  const ranks = Array.from(order.keys()).sort((a, b) => order[a] - order[b]);
  const out = new Float32Array(n);
  ranks.forEach((idx, r) => (out[idx] = -1 + (2 * r + 1) / n)); // never exactly 0
  return out;
};

const filters: Array<() => Tensor> = [];
/** A constant operand, created once (kept) so that the leak check sees only what a case allocates. */
const filter = (shape: number[], seed: number) => {
  const make = fixed(shape, seed);
  let t: Tensor | undefined;
  const get = () => (t && !t.isDisposed ? t : (t = tf.keep(make())));
  filters.push(get);
  return get;
};

const conv33 = filter([3, 3, 2, 3], 1);
const conv53 = filter([5, 3, 3, 2], 2);
const dw32 = filter([3, 3, 2, 2], 3);
const dw31 = filter([3, 3, 2, 1], 4);
const conv3d = filter([3, 3, 3, 2, 3], 5);

const cases: Case[] = [
  // detector heads (sliceGradients.ts): strided slices, top-k, gathers at computed indices, comparisons
  { name: 'strided slice with strides', covers: ['StridedSlice'], shape: [3, 4, 2], linear: true, op: (x) => tf.stridedSlice(x, [0, 1, 0], [3, 4, 2], [2, 2, 1]) },
  { name: 'strided slice, first axis shrunk', covers: ['StridedSlice'], shape: [3, 4], linear: true, op: (x) => tf.stridedSlice(x, [1, 0], [2, 4], [1, 1], 0, 0, 0, 0, 1) },
  { name: 'top 2 of each row', covers: ['TopK'], shape: [2, 6], linear: false, values: distinct, op: (x) => tf.topk(x, 2).values },
  { name: 'gather at indices computed from x', covers: ['GatherV2'], shape: [6], linear: true, op: (x) => tf.gather(x, tf.cast(tf.add(tf.mul(tf.slice(x, [0], [3]), 0), tf.tensor1d([2, 0, 5])), 'int32')) },
  {
    name: 'x times comparisons of x', covers: ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual'], shape: [8], linear: false, values: distinct,
    op: (x) => tf.mul(x, tf.addN([tf.equal(x, x), tf.notEqual(x, 0), tf.greater(x, 0), tf.greaterEqual(x, 0), tf.less(x, 0), tf.lessEqual(x, 0)].map((c) => tf.cast(c, 'float32')))),
  },
  // DepthwiseConv2dNativeBackpropInput (wasm: composed) and the dilated depthwise gradient
  { name: 'depthwise 3x3 s1 same', covers: ['DepthwiseConv2dNativeBackpropInput'], shape: [2, 5, 5, 2], linear: true, op: (x) => tf.depthwiseConv2d(t4(x), t4(dw31()), 1, 'same') },
  { name: 'depthwise 3x3 s2 same, multiplier 2', covers: ['DepthwiseConv2dNativeBackpropInput'], shape: [1, 6, 7, 2], linear: true, op: (x) => tf.depthwiseConv2d(t4(x), t4(dw32()), 2, 'same') },
  { name: 'depthwise 3x3 s2 valid', covers: ['DepthwiseConv2dNativeBackpropInput'], shape: [1, 7, 6, 2], linear: true, op: (x) => tf.depthwiseConv2d(t4(x), t4(dw31()), 2, 'valid') },
  { name: 'depthwise 3x3 s2 explicit pads', covers: ['DepthwiseConv2dNativeBackpropInput'], shape: [1, 6, 6, 2], linear: true, op: (x) => tf.depthwiseConv2d(t4(x), t4(dw31()), 2, [[0, 0], [0, 1], [2, 0], [0, 0]] as unknown as 'same') },
  { name: 'depthwise 3x3 dilation 2', covers: ['DepthwiseConv2dNative'], shape: [1, 7, 7, 2], linear: true, op: (x) => tf.depthwiseConv2d(t4(x), t4(dw32()), 1, 'same', 'NHWC', 2) },
  // Conv2DBackpropInput as a forward conv (wasm) and the dilated conv gradient
  { name: 'conv 3x3 s1 same', covers: ['Conv2DBackpropInput'], shape: [2, 5, 5, 2], linear: true, op: (x) => tf.conv2d(t4(x), t4(conv33()), 1, 'same') },
  { name: 'conv 5x3 s2 same', covers: ['Conv2DBackpropInput'], shape: [1, 9, 7, 3], linear: true, op: (x) => tf.conv2d(t4(x), t4(conv53()), 2, 'same') },
  { name: 'conv 3x3 s2 valid', covers: ['Conv2DBackpropInput'], shape: [1, 7, 8, 2], linear: true, op: (x) => tf.conv2d(t4(x), t4(conv33()), 2, 'valid') },
  { name: 'conv 3x3 s1 explicit pads', covers: ['Conv2DBackpropInput'], shape: [1, 5, 5, 2], linear: true, op: (x) => tf.conv2d(t4(x), t4(conv33()), 1, [[0, 0], [0, 2], [1, 0], [0, 0]]) },
  { name: 'conv 3x3 dilation 2', covers: ['Conv2D'], shape: [1, 7, 7, 2], linear: true, op: (x) => tf.conv2d(t4(x), t4(conv33()), 1, 'same', 'NHWC', 2) },
  // weight gradients (wasm: delegated to cpu)
  { name: 'conv filter gradient, s2 same', covers: ['Conv2DBackpropFilter'], shape: [3, 3, 2, 3], linear: true, op: (f) => tf.conv2d(t4(fixed([2, 6, 5, 2], 11)()), t4(f), 2, 'same') },
  { name: 'depthwise filter gradient, s1 valid', covers: ['DepthwiseConv2dNativeBackpropFilter'], shape: [3, 3, 2, 2], linear: true, op: (f) => tf.depthwiseConv2d(t4(fixed([2, 5, 6, 2], 12)()), t4(f), 1, 'valid') },
  // gather's gradient (wasm: UnsortedSegmentSum delegated)
  { name: 'gather with repeated indices', covers: ['UnsortedSegmentSum'], shape: [5, 3], linear: true, op: (x) => tf.gather(x, tf.tensor1d([0, 2, 2, 4, 0], 'int32')) },
  // pooling
  { name: 'max pool 2x2 s2 valid', covers: ['MaxPoolGrad'], shape: [1, 6, 6, 2], linear: false, values: distinct, op: (x) => tf.maxPool(t4(x), 2, 2, 'valid') },
  { name: 'max pool 3x3 s2 same', covers: ['MaxPoolGrad'], shape: [2, 7, 7, 2], linear: false, values: distinct, op: (x) => tf.maxPool(t4(x), 3, 2, 'same') },
  { name: 'avg pool 3x3 s2 same', covers: ['AvgPool'], shape: [1, 7, 7, 2], linear: true, op: (x) => tf.avgPool(t4(x), 3, 2, 'same') },
  { name: 'avg pool 3x3 s1 same', covers: ['AvgPool'], shape: [2, 5, 4, 2], linear: true, op: (x) => tf.avgPool(t4(x), 3, 1, 'same') },
  { name: 'avg pool 3x3 s2 valid', covers: ['AvgPool'], shape: [1, 7, 7, 2], linear: true, op: (x) => tf.avgPool(t4(x), 3, 2, 'valid') },
  { name: 'avg pool 2x2 s1 pad 1', covers: ['AvgPool'], shape: [1, 4, 5, 1], linear: true, op: (x) => tf.avgPool(t4(x), 2, 1, 1) },
  // conv3d (wasm: Conv3DBackpropInputV2 delegated)
  { name: 'conv3d s1 same', covers: ['Conv3DBackpropInputV2'], shape: [1, 4, 4, 4, 2], linear: true, op: (x) => tf.conv3d(x as tf.Tensor5D, conv3d() as tf.Tensor5D, 1, 'same') },
  { name: 'conv3d s2 valid', covers: ['Conv3DBackpropInputV2'], shape: [1, 5, 5, 5, 2], linear: true, op: (x) => tf.conv3d(x as tf.Tensor5D, conv3d() as tf.Tensor5D, 2, 'valid') },
  // slices (wasm: in place) through pad's gradient and a direct slice
  { name: 'pad (its gradient is a slice)', covers: ['Slice'], shape: [2, 4, 3, 2], linear: true, op: (x) => tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]]) },
  { name: 'slice of a 5-D tensor', covers: ['Slice'], shape: [2, 3, 4, 3, 2], linear: true, op: (x) => tf.slice(x, [1, 0, 1, 1, 0], [1, 3, 2, 2, 2]) },
  // batch norm (wasm forward: multiply-add) and its lazy gradient, every argument
  { name: 'batch norm, gradient of x', covers: ['FusedBatchNorm'], shape: [2, 3, 3, 4], linear: true, op: (x) => tf.batchNorm(x, tf.tensor1d([0.1, 0.2, 0.3, 0.4]), tf.tensor1d([1, 2, 0.5, 0.3]), tf.tensor1d([0, 1, 2, 3]), tf.tensor1d([0.5, 1, 2, -1]), 1e-3) },
  { name: 'batch norm, gradient of the mean', covers: ['FusedBatchNorm'], shape: [4], linear: true, op: (m) => tf.batchNorm(fixed([2, 3, 3, 4], 13)(), m, tf.tensor1d([1, 2, 0.5, 0.3]), tf.tensor1d([0, 1, 2, 3]), tf.tensor1d([0.5, 1, 2, -1]), 1e-3) },
  { name: 'batch norm, gradient of the variance', covers: ['FusedBatchNorm'], shape: [4], linear: false, values: (n) => seededValues(n, 14, 0.5, 2), op: (v) => tf.batchNorm(fixed([2, 3, 3, 4], 13)(), tf.tensor1d([0.1, 0.2, 0.3, 0.4]), v, tf.tensor1d([0, 1, 2, 3]), tf.tensor1d([0.5, 1, 2, -1]), 1e-3) },
  { name: 'batch norm, gradient of scale and offset', covers: ['FusedBatchNorm'], shape: [4], linear: true, op: (s) => tf.batchNorm(fixed([2, 3, 3, 4], 13)(), tf.tensor1d([0.1, 0.2, 0.3, 0.4]), tf.tensor1d([1, 2, 0.5, 0.3]), s, s, 1e-3) },
  // activations
  { name: 'relu', covers: ['Relu'], shape: [3, 20], linear: false, values: (n) => distinct(n).map((v) => 3 * v), op: (x) => tf.relu(x) },
  { name: 'relu6', covers: ['Relu6'], shape: [3, 20], linear: false, values: (n) => distinct(n).map((v) => 7.7 * v), op: (x) => tf.relu6(x) },
  { name: 'clipByValue [-1, 2]', covers: ['ClipByValue'], shape: [3, 20], linear: false, values: (n) => distinct(n).map((v) => 3 * v), op: (x) => tf.clipByValue(x, -1, 2) },
];

// resize: every convention, up and down, non-square
for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]] as const) {
  for (const [from, to] of [[[5, 4], [7, 9]], [[6, 7], [4, 3]]] as const) {
    const tag = `${from.join('x')}->${to.join('x')} alignCorners=${alignCorners} halfPixelCenters=${halfPixelCenters}`;
    cases.push({ name: `bilinear ${tag}`, covers: ['ResizeBilinear'], shape: [1, ...from, 2], linear: true, op: (x) => tf.image.resizeBilinear(t4(x), [...to], alignCorners, halfPixelCenters) });
    cases.push({ name: `nearest ${tag}`, covers: ['ResizeNearestNeighbor'], shape: [1, ...from, 2], linear: true, op: (x) => tf.image.resizeNearestNeighbor(t4(x), [...to], alignCorners, halfPixelCenters) });
  }
}

/** Analytic gradient and central differences of sum(w * op(x)) over every coordinate. */
function check(c: Case): { grad: Float32Array; fd: Float32Array } {
  return tf.tidy(() => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const xv = c.values ? c.values(n) : seededValues(n, 7);
    const x = tf.tensor(xv, c.shape);
    const yShape = c.op(x).shape;
    const w = tf.tensor(seededValues(yShape.reduce((a, b) => a * b, 1), 3), yShape);
    const f = (xx: Tensor) => tf.sum(tf.mul(c.op(xx), w));
    const grad = tf.grad(f)(x).dataSync() as Float32Array;
    const eps = c.linear ? 0.5 : 1e-3;
    const fd = new Float32Array(n);
    const plus = xv.slice();
    const minus = xv.slice();
    for (let i = 0; i < n; i++) {
      plus[i] += eps;
      minus[i] -= eps;
      const a = f(tf.tensor(plus, c.shape)).dataSync()[0];
      const b = f(tf.tensor(minus, c.shape)).dataSync()[0];
      fd[i] = (a - b) / (2 * eps);
      plus[i] = xv[i];
      minus[i] = xv[i];
    }
    return { grad, fd };
  });
}

describe('tfjs kernel and gradient fixes against finite differences', () => {
  const grads = new Map<string, Map<TfjsBackend, Float32Array>>();
  before(async () => {
    for (const b of BACKENDS) await useBackend(b);
    for (const get of filters) get();
  });

  for (const backend of BACKENDS) {
    test(`${backend}: every case matches central differences`, async (t) => {
      await useBackend(backend);
      const worst: string[] = [];
      for (const c of cases) {
        const before = tf.memory().numTensors;
        let result: { grad: Float32Array; fd: Float32Array };
        try {
          result = check(c);
        } catch (e) {
          assert.fail(`${backend} ${c.name}: ${(e as Error).message}`);
        }
        assert.equal(tf.memory().numTensors, before, `${backend} ${c.name}: tensors leaked`);
        const err = relL2(result.grad, result.fd);
        // linear ops: rounding only; others: a 1e-3 step in float32
        const tol = c.linear ? 1e-4 : 3e-3;
        assert.ok(err < tol, `${backend} ${c.name}: relative L2 error ${err.toExponential(2)} >= ${tol}`);
        worst.push(`${c.name}: ${err.toExponential(1)}`);
        if (!grads.has(c.name)) grads.set(c.name, new Map());
        grads.get(c.name)!.set(backend, result.grad);
      }
      for (const line of worst) t.diagnostic(`${backend} FD relative L2 error, ${line}`);
    });
  }

  test('wasm and cpu agree within float32 tolerance', () => {
    for (const [name, byBackend] of grads) {
      const a = byBackend.get('wasm');
      const b = byBackend.get('cpu');
      if (!a || !b) continue;
      const err = relL2(a, b);
      assert.ok(err < 1e-5, `${name}: wasm vs cpu relative L2 ${err.toExponential(2)}`);
    }
  });

  test('every fix is exercised by a case', () => {
    const covered = new Set(cases.flatMap((c) => c.covers));
    for (const fix of TFJS_FIXES) {
      if (fix.kernel === 'Identity') continue; // its own test below
      assert.ok(covered.has(fix.kernel), `no finite-difference case for the ${fix.kind} fix of ${fix.kernel}`);
    }
  });
});

describe('tfjs kernel fixes: the rest', () => {
  test('wasm Identity shares its input buffer (tf.clone, and every tensor the tape saves)', async () => {
    await useBackend('wasm');
    tf.tidy(() => {
      const x = tf.tensor(seededValues(1000, 1), [10, 100]);
      const buffers = tf.memory().numDataBuffers;
      const y = tf.clone(x);
      assert.equal(tf.memory().numDataBuffers, buffers, 'clone allocated a new buffer');
      x.dispose();
      assert.deepEqual(Array.from(y.dataSync()), Array.from(seededValues(1000, 1)));
      const g = tf.grad((v: Tensor) => tf.sum(tf.mul(tf.clone(v), v)))(y);
      assert.ok(relL2(g.dataSync(), y.dataSync().map((v) => 2 * v)) < 1e-6);
    });
  });

  test('threshold conventions are tfjs\' (Relu: x > 0, Relu6: 0 < x <= 6, Clip: lo <= x <= hi)', async () => {
    for (const backend of BACKENDS) {
      await useBackend(backend);
      tf.tidy(() => {
        const x = tf.tensor1d([-1, 0, 3, 6, 7]);
        assert.deepEqual(Array.from(tf.grad((v: Tensor) => tf.sum(tf.relu(v)))(x).dataSync()), [0, 0, 1, 1, 1]);
        assert.deepEqual(Array.from(tf.grad((v: Tensor) => tf.sum(tf.relu6(v)))(x).dataSync()), [0, 0, 1, 1, 0]);
        assert.deepEqual(Array.from(tf.grad((v: Tensor) => tf.sum(tf.clipByValue(v, 0, 6)))(x).dataSync()), [0, 1, 1, 1, 0]);
      });
    }
  });

  test('installTfjsFixes restores fixes that a later tfjs import overwrote', async () => {
    await useBackend('wasm');
    const ours = tf.getGradient('AvgPool');
    const oursKernel = tf.getKernel('Identity', 'wasm').kernelFunc;
    tf.registerGradient({ kernelName: 'AvgPool', gradFunc: () => ({}) });
    installTfjsFixes();
    assert.equal(tf.getGradient('AvgPool'), ours);
    assert.equal(tf.getKernel('Identity', 'wasm').kernelFunc, oursKernel, 'kernels are not re-registered when already ours');
  });
});
