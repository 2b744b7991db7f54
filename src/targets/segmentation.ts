/**
 * Segmentation target (Captum's recipe): the logit of one class summed over a pixel mask,
 * for a model whose output of one example is [classes, height, width].
 */
import type { Target } from '../engine/model.js';

export interface SegmentationShape { classes: number; height: number; width: number }

/** Pixels whose highest-scoring class is `cls` (1) or not (0): the default region. */
export function predictedMask(output: Float32Array, shape: SegmentationShape, cls: number): Float32Array {
  const hw = shape.height * shape.width;
  const mask = new Float32Array(hw);
  for (let p = 0; p < hw; p++) {
    let best = 0;
    for (let c = 1; c < shape.classes; c++) if (output[c * hw + p] > output[best * hw + p]) best = c;
    mask[p] = best === cls ? 1 : 0;
  }
  return mask;
}

/** sum over p of mask[p] * logit[cls, p]; mask (height x width weights, usually 0/1) defaults to every pixel. */
export function segmentRegion(shape: SegmentationShape, cls: number, mask?: ArrayLike<number>): Target {
  const hw = shape.height * shape.width;
  if (!Number.isInteger(cls) || cls < 0 || cls >= shape.classes) throw new Error(`class ${cls} is out of range: the model segments ${shape.classes} classes`);
  if (mask && mask.length !== hw) throw new Error(`the mask has ${mask.length} pixels; the model's output is ${shape.height} x ${shape.width} = ${hw}`);
  const weights = Float32Array.from(mask ?? new Float32Array(hw).fill(1));
  const pixels = weights.reduce((s, w) => s + (w !== 0 ? 1 : 0), 0);
  if (pixels === 0) throw new Error('the segmentation mask selects no pixel');
  return {
    label: `class ${cls} summed over ${pixels} pixels`,
    dependsOnOutput: false,
    value: (output) => weights.reduce((s, w, p) => s + w * output[cls * hw + p], 0),
    cotangent: () => {
      const seed = new Float32Array(shape.classes * hw);
      seed.set(weights, cls * hw);
      return seed;
    },
  };
}
