/**
 * Shapley sampling's orderings as chains of image edits (Model.runEdited, chained): along an
 * ordering each point adds one feature to the point before it, so it differs from that point
 * only inside the feature's bounding box, and the engine recomputes only the layers that box
 * reaches. Memory: one running image and each step's box values (a superpixel's box, not a
 * whole image per step).
 */
import type { ImageBox, ImageEdit, Model } from '../../engine/model.js';
import { boxValues } from '../../engine/imageEdits.js';
import type { InputSpace } from '../../engine/space.js';
import type { Runner } from '../runner.js';
import type { FeatureIndex } from './features.js';

/** Whether orderings can run as chained edits: the model has runEdited and takes NCHW images (features then span every channel). */
export function canChain(model: Model, space: InputSpace, incremental: boolean | undefined): boolean {
  return incremental !== false && model.runEdited !== undefined && space.layout === 'NCHW' && space.shape.length === 3;
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

/**
 * Target values of the points of one ordering but its last (all features present): point t
 * is the baseline with features order[0..t] taken from the input x.
 */
export async function orderingValues(
  runner: Runner, x: Float32Array, baseline: Float32Array, f: FeatureIndex, bounds: readonly ImageBox[],
  shape: readonly number[], order: readonly number[], example: number,
): Promise<Float64Array> {
  const current = Float32Array.from(baseline);
  const edits: ImageEdit[] = [];
  for (let t = 0; t < order.length - 1; t++) {
    const k = order[t];
    for (let s = f.spanOffsets[k]; s < f.spanOffsets[k + 1]; s++) current.set(x.subarray(f.spans[2 * s], f.spans[2 * s + 1]), f.spans[2 * s]);
    edits.push({ box: bounds[k], values: boxValues(current, shape, bounds[k]) });
  }
  return runner.edited(baseline, edits, true, example);
}
