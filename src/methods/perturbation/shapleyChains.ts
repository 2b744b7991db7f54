/**
 * Shapley sampling's orderings as chains of image edits (Model.runEdited, chained): along an
 * ordering each point adds one feature to the point before it, so it differs from that point
 * only inside the feature's bounding box, and the engine recomputes only the layers that box
 * reaches. Memory: one running image and each step's box values (a superpixel's box, not a
 * whole image per step).
 */
import type { ImageBox, ImageEdit } from '../../engine/model.js';
import { boxValues } from '../../engine/imageEdits.js';
import type { Runner } from '../runner.js';
import type { FeatureIndex } from './features.js';

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
