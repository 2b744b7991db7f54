/**
 * What completeness and soundness share (Gupta & Arora 2022, "New Definitions and
 * Evaluations for Saliency Methods: Staying Intrinsic, Complete and Sound"): a map read as
 * a certificate for a label. The certificate keeps the `fraction` most relevant pixels of
 * the input and replaces the others by the substrate; the model then scores the label on
 * that masked input (its softmax probability, or 1 when it is the predicted class).
 */
import type { Model, Target } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import type { TargetSpec } from '../methods/attribution.js';
import { sigmaOption, substrateOption } from './common.js';
import type { Geometry } from './features.js';
import { rankDescending } from './features.js';
import { targetClasses } from './target.js';

export const CERTIFICATE_OPTIONS = {
  fraction: { kind: 'number' as const, default: 0.1, min: 0, exclusiveMin: true, max: 1, description: 'share of the pixels the mask keeps (the most relevant)' },
  substrate: substrateOption('zero', 'what the other pixels become: zero, black (pixel min), mean (per-channel image mean), blur'),
  sigma: sigmaOption,
  output: { kind: 'choice' as const, choices: ['probability', 'accuracy'] as const, default: 'probability' as string, description: "the label's softmax probability on the masked input, or 1 when it is the predicted class" },
};

/** Pixels kept for a map of `positions` values: round(fraction * positions), at least 1. */
export const keptCount = (fraction: number, positions: number) => Math.max(1, Math.min(positions, Math.round(fraction * positions)));

/** dest = replacement, with x's values at the k highest positions of `map` (ties by index). */
export function keepTop(dest: Float32Array, x: Float32Array, replacement: Float32Array, map: ArrayLike<number>, k: number, g: Geometry): void {
  dest.set(replacement);
  const order = rankDescending(map);
  for (let j = 0; j < k; j++) {
    const p = order[j];
    for (let c = 0; c < g.channels; c++) {
      const el = g.element(p, c);
      dest[el] = x[el];
    }
  }
}

/** The score of label labelOf(i) for point i: its softmax probability, or whether it is the argmax. */
export function labelScore(output: 'probability' | 'accuracy', labelOf: (i: number) => number): Target {
  return {
    label: output === 'accuracy' ? 'label predicted on the masked input' : "label's probability on the masked input",
    dependsOnOutput: true,
    value: (out, i) => {
      const c = labelOf(i);
      let best = 0, max = -Infinity;
      for (let k = 0; k < out.length; k++) if (out[k] > max) (max = out[k]), (best = k);
      if (output === 'accuracy') return best === c ? 1 : 0;
      let s = 0;
      for (let k = 0; k < out.length; k++) s += Math.exp(out[k] - max);
      return Math.exp(out[c] - max) / s;
    },
    cotangent: () => {
      throw new Error('the certificate score has no gradient');
    },
  };
}

/** The explained class of each input; certificates are for labels, not custom targets. */
export function explainedClasses(spec: TargetSpec, n: number, metric: string): number[] {
  const classes = targetClasses(spec, n);
  if (!classes) throw new Error(`${metric} scores certificates for class labels: explain a class (--target N or top1), not a custom target`);
  return classes;
}

export const perExample = (model: Model) => sizeOfShape(model.inputShape);
