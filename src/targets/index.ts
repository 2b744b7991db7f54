/**
 * Targets: what is being explained, as a scalar function of one example's output.
 */
import type { Target } from '../engine/model.js';
import { softmax } from '../engine/numeric.js';

export type { Target } from '../engine/model.js';

function classFor(classes: number | readonly number[], index: number, size: number): number {
  const c = typeof classes === 'number' ? classes : classes[index];
  if (c === undefined) throw new Error(`no target class given for example ${index}`);
  if (!Number.isInteger(c) || c < 0 || c >= size) {
    throw new Error(`target class ${c} is out of range: the model has ${size} outputs (0..${size - 1})`);
  }
  return c;
}

/** The raw score (logit) of a class; one class for all examples or one per example. */
export function classLogit(classes: number | readonly number[], outputSize: number): Target {
  return {
    label: typeof classes === 'number' ? `logit ${classes}` : 'logit of each example\'s class',
    dependsOnOutput: false,
    value: (output, i) => output[classFor(classes, i, outputSize)],
    cotangent: (_output, i) => {
      const seed = new Float32Array(outputSize);
      seed[classFor(classes, i, outputSize)] = 1;
      return seed;
    },
  };
}


/** The softmax probability of a class (the model output taken as logits). */
export function classProbability(classes: number | readonly number[], outputSize: number): Target {
  return {
    label: typeof classes === 'number' ? `probability of class ${classes}` : 'probability of each example\'s class',
    dependsOnOutput: true,
    value: (output, i) => softmax(output)[classFor(classes, i, outputSize)],
    cotangent: (output, i) => {
      const c = classFor(classes, i, outputSize);
      const p = softmax(output!);
      // d p_c / d z_k = p_c (1[k = c] - p_k)
      return Float32Array.from(p, (pk, k) => p[c] * ((k === c ? 1 : 0) - pk));
    },
  };
}

export * from './detection.js';
export * from './segmentation.js';
export * from './similarity.js';
export * from './spec.js';
