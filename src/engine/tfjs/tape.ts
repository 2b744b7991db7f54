/**
 * tf.grad without the leak.
 *
 * When a gradient throws (a kernel without a gradient, a missing backend kernel), tfjs
 * leaves its tape behind: every tensor the tape saved for the backward pass was kept
 * (tf.keep) and so outlives any tf.tidy; on wasm that memory is never returned. Here the
 * tape's saved tensors are released when the gradient fails, and the error names the op.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { SaliencyError } from '../../errors.js';

export class GradientError extends SaliencyError {
  constructor(message: string, readonly kernel?: string) {
    super('unsupported-op', message);
    this.name = 'GradientError';
  }
}

function releaseTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) {
    for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  }
  state.activeTape = null as unknown as typeof state.activeTape;
}

/**
 * value = f(), and the gradients of sum(value * dy) with respect to xs (zeros for an x
 * the value does not depend on). Synchronous, like tf.grad. On failure the tape is
 * released and a GradientError is thrown.
 */
export function valueAndGradients(f: () => Tensor, xs: Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  try {
    const { value, grads } = tf.engine().gradients(f, xs, dy, true);
    return { value, grads: grads.map((g, i) => g ?? tf.zerosLike(xs[i])) };
  } catch (e) {
    releaseTape();
    const message = (e as Error).message ?? String(e);
    const kernel = /gradient function not found for (\w+)/.exec(message)?.[1] ?? /Kernel '(\w+)' not registered/.exec(message)?.[1];
    throw new GradientError(
      kernel
        ? `TensorFlow.js cannot compute this gradient: ${message} (op ${kernel}). The tape was released; nothing leaked.`
        : `TensorFlow.js gradient failed: ${message}`,
      kernel,
    );
  }
}
