/**
 * DExT's multi-object picture: the maps of several detections merged into one. Each map is
 * scaled by its own largest positive value, then each pixel goes to the detection whose scaled
 * map is largest there (its value kept, its index as the owner; -1 where no map is positive).
 * Colour by owner and draw each detection's box in the same colour (detectionPicture).
 */
import { toGrey } from './input.js';
import type { RgbaImage } from './rgba.js';

export interface MergedDetectionMaps {
  /** Per pixel: the largest scaled map value, in [0, 1]. */
  value: Float32Array;
  /** Per pixel: which map (its position in `maps`) it came from, or -1. */
  owner: Int32Array;
}

export function mergeDetectionMaps(maps: readonly Float32Array[]): MergedDetectionMaps {
  if (maps.length === 0) throw new Error('no detection maps to merge');
  const size = maps[0].length;
  if (maps.some((m) => m.length !== size)) throw new Error('the detection maps differ in size');
  const value = new Float32Array(size);
  const owner = new Int32Array(size).fill(-1);
  maps.forEach((m, k) => {
    let top = 0;
    for (let p = 0; p < size; p++) if (m[p] > top) top = m[p];
    if (top === 0) return;
    for (let p = 0; p < size; p++) {
      const v = m[p] / top;
      if (v > value[p]) {
        value[p] = v;
        owner[p] = k;
      }
    }
  });
  return { value, owner };
}

/** Distinct colours for detections (Okabe-Ito, colour-blind safe), cycled. */
export const DETECTION_COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0], [204, 121, 167],
];

/**
 * DExT's multi-object picture: the photo in grey, each pixel tinted with the colour of the
 * detection that owns it (opacity = its merged value), and each box (x1, y1, x2, y2 in the
 * photo's pixels) outlined in its detection's colour, `line` pixels wide.
 */
export function detectionPicture(photo: RgbaImage, merged: MergedDetectionMaps, boxes: ReadonlyArray<readonly [number, number, number, number]>, line = 2): RgbaImage {
  const { width, height } = photo;
  if (merged.value.length !== width * height) throw new Error(`the merged map has ${merged.value.length} pixels; the photo ${width} x ${height}`);
  const out = toGrey(photo);
  const d = out.data as Uint8ClampedArray;
  const colour = (k: number) => DETECTION_COLOURS[k % DETECTION_COLOURS.length];
  for (let p = 0; p < width * height; p++) {
    const k = merged.owner[p];
    if (k < 0) continue;
    const a = 0.85 * merged.value[p];
    const c = colour(k);
    for (let j = 0; j < 3; j++) d[p * 4 + j] = Math.round((1 - a) * d[p * 4 + j] + a * c[j]);
  }
  boxes.forEach((b, k) => {
    const c = colour(k);
    const clamp = (v: number, hi: number) => Math.min(hi, Math.max(0, Math.round(v)));
    const [x1, y1, x2, y2] = [clamp(b[0], width - 1), clamp(b[1], height - 1), clamp(b[2], width - 1), clamp(b[3], height - 1)];
    const paint = (x: number, y: number) => d.set([c[0], c[1], c[2], 255], (y * width + x) * 4);
    for (let t = 0; t < line; t++) {
      for (let x = x1; x <= x2; x++) {
        paint(x, Math.min(y2, y1 + t));
        paint(x, Math.max(y1, y2 - t));
      }
      for (let y = y1; y <= y2; y++) {
        paint(Math.min(x2, x1 + t), y);
        paint(Math.max(x1, x2 - t), y);
      }
    }
  });
  return out;
}
