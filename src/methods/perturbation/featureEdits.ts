/**
 * Perturbations of image features as edits (Model.runEdited): a feature's bounding box and the
 * perturbed image's values inside it. An image that differs from another in one feature differs
 * inside that box only, so the ONNX engine recomputes only the layers the box reaches
 * (Shapley sampling's orderings, shapleyChains.ts).
 */
import type { ImageBox, Model } from '../../engine/model.js';
import type { InputSpace } from '../../engine/space.js';
import type { FeatureIndex } from './features.js';

/**
 * Whether perturbations can go to the model as boxes of an image: not turned off, the model has
 * `via` (runEdited: Shapley's chains; runPatched: occlusion's windows, grid ablation) and takes
 * NCHW images (a box then spans every channel).
 */
export function canEdit(model: Model, space: InputSpace, incremental: boolean | undefined, via: 'runEdited' | 'runPatched' = 'runEdited'): boolean {
  return incremental !== false && model[via] !== undefined && space.layout === 'NCHW' && space.shape.length === 3;
}

/** The bounding box of each feature over the image [C, H, W] = shape (every channel). */
export function featureBounds(f: FeatureIndex, shape: readonly number[]): ImageBox[] {
  const [height, width] = [shape[1], shape[2]];
  const boxes: ImageBox[] = [];
  for (let k = 0; k < f.count; k++) {
    let [y0, y1, x0, x1] = [Infinity, -1, Infinity, -1];
    // a feature's elements are listed in increasing order: channel 0's positions come first
    for (let q = f.offsets[k]; q < f.offsets[k + 1] && f.order[q] < height * width; q++) {
      const y = Math.floor(f.order[q] / width);
      const x = f.order[q] % width;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
    boxes.push({ y: y0, x: x0, h: y1 - y0 + 1, w: x1 - x0 + 1 }); // a mask uses every label (checkFeatureMask)
  }
  return boxes;
}

/** Whether feature k fills its bounding box `box` over every channel (a grid cell does; a superpixel seldom). */
export function fillsBox(f: FeatureIndex, k: number, box: ImageBox, channels: number): boolean {
  return f.offsets[k + 1] - f.offsets[k] === channels * box.h * box.w;
}
