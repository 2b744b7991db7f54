/**
 * Backward rules on TensorFlow.js: guided backprop and deconvnet, by swapping the gradient
 * functions of the ReLU-like kernels (Relu, Relu6, LeakyRelu, Prelu, Elu) in tfjs's gradient
 * registry for the duration of one (synchronous) gradient computation, then restoring them.
 *   guided:    relu(the kernel's own gradient)   (forward mask and positive gradient)
 *   deconvnet: relu(dy)                          (positive gradient, no forward mask)
 * These are the ONNX 'guided' / 'deconvnet' rule sets (graph/rules/guided.ts). Keras's
 * hard_swish / hard_sigmoid are composed of other ops in tfjs (no kernel of their own), so
 * inside them only the Relu6 they are made of gets the rule. LRP and DeepLIFT need the
 * layers' weights and forward values inside the backward pass: use the ONNX engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

export const TFJS_RULES = ['gradient', 'guided', 'deconvnet'] as const;
export const RELU_LIKE_KERNELS = ['Relu', 'Relu6', 'LeakyRelu', 'Prelu', 'Elu'] as const;

function modified(config: GradConfig, rule: 'guided' | 'deconvnet'): GradConfig {
  return {
    ...config,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const grads = config.gradFunc(dy, saved, attrs);
      const [first, ...rest] = Object.keys(grads);
      const out: Record<string, () => Tensor> = {};
      out[first] = rule === 'guided' ? () => tf.relu(grads[first]()) : () => tf.relu(dy as Tensor);
      for (const k of rest) out[k] = grads[k];
      return out;
    },
  };
}

/** Run fn with the named rule's gradients in place of the ReLU-like kernels' (restored after, even on error). */
export function withBackwardRule<T>(rule: string, fn: () => T): T {
  if (rule === 'gradient') return fn();
  if (rule !== 'guided' && rule !== 'deconvnet') {
    throw new Error(
      `TensorFlow.js models support the rules ${TFJS_RULES.join(', ')} ('${rule}' was asked for); LRP and DeepLIFT need the ONNX engine (convert the model with tf2onnx)`,
    );
  }
  const saved: GradConfig[] = [];
  for (const kernel of RELU_LIKE_KERNELS) {
    const config = tf.getGradient(kernel);
    if (!config) continue;
    saved.push(config);
    tf.registerGradient(modified(config, rule));
  }
  try {
    return fn();
  } finally {
    for (const config of saved) tf.registerGradient(config);
  }
}
