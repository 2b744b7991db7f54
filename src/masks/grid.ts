/**
 * Regular grid masks: square (or rectangular) patches over a [height, width] map, numbered
 * row by row. The last row and column of patches are cut off where the map does not divide
 * evenly. The default patch grows as side^(2/3), so the number of cells grows slowly with
 * resolution: 4 px at 28x28 (7x7 = 49 cells), 16 px at 224x224 (14x14 = 196 cells).
 */
import type { FeatureMask } from './featureMask.js';

/** Patch side that fits a map of this size: round(4 * (side / 28)^(2/3)), at least 1. */
export function defaultPatch(height: number, width: number): number {
  const side = Math.min(height, width);
  return Math.max(1, Math.min(side, Math.round(4 * Math.pow(side / 28, 2 / 3))));
}

/** A grid of patches of `patch` pixels (one number: square; [ph, pw]: rectangular; default: defaultPatch). */
export function gridMask(shape: readonly [number, number], patch?: number | readonly [number, number]): FeatureMask {
  const [h, w] = shape;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1)) throw new Error(`a grid mask needs a positive integer shape, got [${h}, ${w}]`);
  const p = patch ?? defaultPatch(h, w);
  const [ph, pw] = typeof p === 'number' ? [p, p] : p;
  if (!(Number.isInteger(ph) && Number.isInteger(pw) && ph >= 1 && pw >= 1)) {
    throw new Error(`grid patch must be a positive integer (or two), got ${JSON.stringify(p)}`);
  }
  const cols = Math.ceil(w / pw);
  const rows = Math.ceil(h / ph);
  const labels = new Int32Array(h * w);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / ph) * cols;
    for (let x = 0; x < w; x++) labels[y * w + x] = row + Math.floor(x / pw);
  }
  return { labels, count: rows * cols, shape: [h, w] };
}
