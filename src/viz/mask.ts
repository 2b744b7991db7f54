/**
 * The masked view (the baselines article, Kapishnikov et al.'s XRAI figures): show only the
 * top p% of pixels by attribution, the rest replaced by a background.
 */
import type { Map2d } from './layout.js';
import { createRgba, type RgbaImage } from './rgba.js';

/**
 * 1 for the round(percent / 100 * n) pixels with the largest |value| (or value, with
 * `absolute: false`), 0 elsewhere. Ties are broken by pixel order (earlier pixels first),
 * so the count is exact.
 */
export function topMask(values: ArrayLike<number>, percent: number, absolute = true): Uint8Array {
  if (!(percent >= 0 && percent <= 100)) throw new Error(`percent must be in [0, 100], got ${percent}`);
  const n = values.length;
  const k = Math.round((percent / 100) * n);
  const key = Float64Array.from(values as ArrayLike<number>, (v) => (Number.isNaN(v) ? -Infinity : absolute ? Math.abs(v) : v));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key[b] - key[a] || a - b);
  const mask = new Uint8Array(n);
  for (let i = 0; i < k; i++) mask[order[i]] = 1;
  return mask;
}

export interface MaskedViewOptions {
  /** Rank by |value| (default) or by value (keep the most positive). */
  absolute?: boolean;
  /** Colour of removed pixels; default opaque black. */
  background?: readonly [number, number, number, number];
}

/** The base image where the map is in its top `percent`, the background elsewhere. */
export function maskedView(base: RgbaImage, map: Map2d, percent: number, options: MaskedViewOptions = {}): RgbaImage {
  if (base.width !== map.width || base.height !== map.height) {
    throw new Error(`masked view needs the map at the image's size: image ${base.width} x ${base.height}, map ${map.width} x ${map.height}`);
  }
  const mask = topMask(map.data, percent, options.absolute ?? true);
  const out = createRgba(base.width, base.height, options.background ?? [0, 0, 0, 255]);
  for (let p = 0; p < mask.length; p++) if (mask[p]) out.data.set(base.data.subarray(p * 4, p * 4 + 4), p * 4);
  return out;
}
