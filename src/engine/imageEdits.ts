/**
 * Edits of an image [C, H, W] (Model.runEdited): a box and the image's values inside it,
 * [C, box.h, box.w] over every channel. What the engine's incremental runs (editedRuns.ts)
 * and the methods that build edits (Shapley sampling) share.
 */
import { ModelInputError, type ImageBox, type ImageEdit } from './model.js';
import { checkFinite } from './request.js';

/** The values of `image` ([C, H, W] = shape) inside `box`, as an edit's values [C, box.h, box.w]. */
export function boxValues(image: Float32Array, shape: readonly number[], box: ImageBox): Float32Array {
  const [channels, height, width] = shape;
  const out = new Float32Array(channels * box.h * box.w);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < box.h; r++) {
      const src = (c * height + box.y + r) * width + box.x;
      out.set(image.subarray(src, src + box.w), (c * box.h + r) * box.w);
    }
  }
  return out;
}

/**
 * Write the part of `edit` that falls inside the window [top, top + rows) x [left, left + cols)
 * of the image into dest, which holds that window ([C, rows, cols]; the whole image when the
 * window is the image).
 */
export function writeEdit(dest: Float32Array, channels: number, top: number, left: number, rows: number, cols: number, edit: ImageEdit): void {
  const { box, values } = edit;
  const y0 = Math.max(box.y, top);
  const y1 = Math.min(box.y + box.h, top + rows);
  const x0 = Math.max(box.x, left);
  const x1 = Math.min(box.x + box.w, left + cols);
  if (y1 <= y0 || x1 <= x0) return;
  for (let c = 0; c < channels; c++) {
    for (let y = y0; y < y1; y++) {
      const src = (c * box.h + y - box.y) * box.w + x0 - box.x;
      dest.set(values.subarray(src, src + x1 - x0), (c * rows + y - top) * cols + x0 - left);
    }
  }
}

/** The window [top, top + rows) x [left, left + cols) of `image` ([C, H, W] = shape) into dest [C, rows, cols]. */
export function copyCrop(image: Float32Array, shape: readonly number[], top: number, left: number, rows: number, cols: number, dest: Float32Array): void {
  const [channels, height, width] = shape;
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < rows; r++) {
      const src = (c * height + top + r) * width + left;
      dest.set(image.subarray(src, src + cols), (c * rows + r) * cols);
    }
  }
}

/** Refuse a box that does not lie inside the image [C, H, W] = shape. */
export function checkBox(shape: readonly number[], b: ImageBox): void {
  const ok = [b.y, b.x, b.h, b.w].every(Number.isInteger) && b.y >= 0 && b.x >= 0 && b.h >= 1 && b.w >= 1 && b.y + b.h <= shape[1] && b.x + b.w <= shape[2];
  if (!ok) throw new ModelInputError(`box ${JSON.stringify(b)} does not lie inside the ${shape[1]}x${shape[2]} image`);
}

/** Refuse a model that is not an image model, a misshapen or non-finite base, a box outside the image, or values that do not fill their box. */
export function checkEdits(shape: readonly number[], base: Float32Array, edits: readonly ImageEdit[]): void {
  if (shape.length !== 3) throw new ModelInputError(`edited runs take image models [C, H, W]; this model's input is [${shape.join(', ')}]`);
  const per = shape[0] * shape[1] * shape[2];
  if (base.length !== per) throw new ModelInputError(`the base image holds ${base.length} values; one example of [${shape.join(', ')}] holds ${per}`);
  checkFinite(base, 'the base image');
  edits.forEach(({ box: b, values }, i) => {
    checkBox(shape, b);
    if (values.length !== shape[0] * b.h * b.w) {
      throw new ModelInputError(`edit ${i} holds ${values.length} values; its box ${b.h}x${b.w} over ${shape[0]} channels needs ${shape[0] * b.h * b.w}`);
    }
    checkFinite(values, `edit ${i}`);
  });
}
