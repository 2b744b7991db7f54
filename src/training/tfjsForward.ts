/**
 * The TensorFlow.js forward pass of a trainer network (network.ts), written with
 * tfjs-core ops on parameters in ONNX layout, and one training step: loss, weight
 * gradients and batch-norm batch statistics.
 */
import { tf } from '../engine/tfjs/backend.js';
import type { Architecture, Param } from './network.js';

export const BN_EPSILON = 1e-5;

type Tensors = Map<string, tf.Tensor>;

/**
 * conv3x3 'same' with both gradients written as forward convolutions: the tfjs cpu
 * Conv2DBackpropFilter (which wasm delegates to) costs ~500x a forward conv. The weight
 * gradient is the convolution of the input, batch and channels swapped, with the output
 * gradient as the kernel; the input gradient is a conv with the flipped, transposed kernel.
 */
const conv3x3 = tf.customGrad(((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const g = dy as tf.Tensor4D;
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(g, flipped, 1, 'same');
      const xt = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, h, w, n]
      const gt = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D; // [h, w, n, cout]
      const dw = tf.transpose(tf.conv2d(xt, gt, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]), [1, 2, 0, 3]); // [cin,3,3,cout] -> [3,3,cin,cout]
      return [dx, dw];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/**
 * 2x2 max pooling (floor) of [n, h, w, c] as reshape + max, with the gradient shared equally
 * among tied maxima of a window. Not tf.maxPool (its wasm gradient is wrong), nor tf.max's own
 * gradient: it gives the whole gradient to every tied maximum, and Fashion-MNIST's flat
 * background makes ties common (equal conv outputs over constant pixels), which inflated the
 * gradients of every layer below by 20-200% against PyTorch. PyTorch and the engine give it
 * to the first maximum; over a flat background the tied pixels see the same input patch, so
 * both conventions give the same weight gradients there (train.test.ts checks against
 * PyTorch on real images). Shared rather than first: a first-maximum mask costs ~4x the
 * training step on wasm (slices, concat), and tf.argMax + tf.oneHot gives zeros there.
 */
const maxPoolWindows = tf.customGrad(((...args: unknown[]) => {
  const [windows, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const value = tf.max(windows, [2, 4], true);
  save([windows, value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [w, max] = saved;
      // 1 - step(max - w): 1 at the maxima; step is fast on wasm, boolean comparisons are not (kernels.ts)
      const isMax = tf.sub(1, tf.step(tf.sub(max, w)));
      return [tf.mul(isMax, tf.div(dy as tf.Tensor, tf.sum(isMax, [2, 4], true)))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (windows: tf.Tensor) => tf.Tensor;

function maxPool2(h: tf.Tensor4D): tf.Tensor4D {
  const [n, height, width, c] = h.shape;
  const [ho, wo] = [Math.floor(height / 2), Math.floor(width / 2)];
  const even = height % 2 || width % 2 ? tf.slice(h, [0, 0, 0, 0], [n, 2 * ho, 2 * wo, c]) : h;
  return tf.reshape(maxPoolWindows(tf.reshape(even, [n, ho, 2, wo, 2, c])), [n, ho, wo, c]) as tf.Tensor4D;
}

/**
 * Logits of x ([n, h, w, c], already normalised) under the parameters. In training mode
 * batch norm uses the batch's statistics and pushes them (mean, variance per block) to `stats`.
 */
export function forward(arch: Architecture, p: Tensors, x: tf.Tensor4D, training: boolean, stats?: tf.Tensor[]): tf.Tensor2D {
  let h: tf.Tensor4D = x;
  arch.channels.forEach((_, i) => {
    const k = i + 1;
    const w = tf.transpose(p.get(`conv${k}.weight`)!, [2, 3, 1, 0]) as tf.Tensor4D;
    h = conv3x3(h, w) as tf.Tensor4D;
    if (arch.batchNorm) {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        const m = tf.moments(h, [0, 1, 2]);
        mean = m.mean;
        variance = m.variance;
        stats?.push(tf.keep(tf.clone(mean)), tf.keep(tf.clone(variance)));
      } else {
        mean = p.get(`bn${k}.mean`)!;
        variance = p.get(`bn${k}.var`)!;
      }
      h = tf.batchNorm(h, mean as tf.Tensor1D, variance as tf.Tensor1D, p.get(`bn${k}.beta`)! as tf.Tensor1D, p.get(`bn${k}.gamma`)! as tf.Tensor1D, BN_EPSILON);
    } else h = tf.add(h, p.get(`conv${k}.bias`)!);
    h = maxPool2(tf.relu(h));
  });
  const n = h.shape[0];
  const flat = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [n, -1]); // NCHW order, as ONNX Flatten
  return tf.add(tf.matMul(flat, p.get('fc.weight')!, false, true), p.get('fc.bias')!) as tf.Tensor2D;
}

/** Pixels [n, c, h, w] in [0, 1] -> the network's input [n, h, w, c], normalised. */
export function inputTensor(pixels: Float32Array, n: number, shape: readonly number[], mean: number, std: number): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.tensor4d(pixels, [n, shape[0], shape[1], shape[2]]);
    return tf.div(tf.sub(tf.transpose(x, [0, 2, 3, 1]), mean), std) as tf.Tensor4D;
  });
}

export interface StepResult {
  loss: number;
  correct: number;
  /** Gradient per trainable parameter, in the order given. */
  gradients: Float32Array[];
  /** Batch mean and variance per batch-norm block. */
  stats: Float32Array[];
}

/**
 * Mean cross-entropy of the batch and its gradient with respect to every trainable
 * parameter. `extraLoss` adds a term computed from the same tensors (saliency-guided training).
 */
export function trainStep(arch: Architecture, params: readonly Param[], x: tf.Tensor4D, labels: Int32Array, classes: number): StepResult {
  const trainable = params.filter((q) => q.trainable);
  const fixed: Tensors = new Map(params.filter((q) => !q.trainable).map((q) => [q.name, tf.tensor(q.data, q.dims)]));
  const variables = trainable.map((q) => tf.tensor(q.data, q.dims));
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
  const statTensors: tf.Tensor[] = [];
  let logitsData: Float32Array | undefined;
  const lossOf = (...ws: tf.Tensor[]) => {
    const p: Tensors = new Map(fixed);
    trainable.forEach((q, i) => p.set(q.name, ws[i]));
    const logits = forward(arch, p, x, true, statTensors);
    logitsData = logits.dataSync() as Float32Array;
    return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  };
  const { value, grads } = tf.valueAndGrads(lossOf)(variables);
  const result: StepResult = {
    loss: value.dataSync()[0],
    correct: countCorrect(logitsData!, labels, classes),
    gradients: grads.map((g) => g.dataSync() as Float32Array),
    stats: statTensors.map((t) => t.dataSync() as Float32Array),
  };
  tf.dispose([value, ...grads, ...statTensors, ...variables, ...fixed.values(), oneHot]);
  return result;
}

export function countCorrect(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/** Logits of pixels [n, c, h, w] in evaluation mode (running statistics). */
export function predictLogits(arch: Architecture, params: readonly Param[], pixels: Float32Array, n: number, shape: readonly number[], mean: number, std: number): Float32Array {
  return tf.tidy(() => {
    const p: Tensors = new Map(params.map((q) => [q.name, tf.tensor(q.data, q.dims)]));
    return forward(arch, p, inputTensor(pixels, n, shape, mean, std), false).dataSync() as Float32Array;
  });
}
