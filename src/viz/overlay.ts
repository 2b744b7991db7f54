/**
 * A heat map over the input picture: out = (1 - a) * base + a * heat per channel (alpha
 * included), with a = opacity, or opacity * weight[p] to let weak attributions show the
 * image through (pass the scaled magnitude map as weight).
 */
import { createRgba, type RgbaImage } from './rgba.js';

export interface OverlayOptions {
  /** 0 = the base image, 1 = the heat map. Default 0.5. */
  opacity?: number;
  /** Per-pixel weights in [0, 1] multiplying the opacity (height * width values). */
  weight?: ArrayLike<number>;
}

export function overlay(base: RgbaImage, heat: RgbaImage, options: OverlayOptions = {}): RgbaImage {
  const opacity = options.opacity ?? 0.5;
  if (!(opacity >= 0 && opacity <= 1)) throw new Error(`opacity must be in [0, 1], got ${opacity}`);
  if (base.width !== heat.width || base.height !== heat.height) {
    throw new Error(`overlay needs images of one size: base ${base.width} x ${base.height}, heat map ${heat.width} x ${heat.height}`);
  }
  const { weight } = options;
  if (weight && weight.length !== base.width * base.height) {
    throw new Error(`overlay weight has ${weight.length} values for ${base.width * base.height} pixels`);
  }
  const out = createRgba(base.width, base.height);
  for (let p = 0; p < base.width * base.height; p++) {
    const a = weight ? opacity * Math.min(1, Math.max(0, weight[p])) : opacity;
    for (let k = 0; k < 4; k++) {
      const o = p * 4 + k;
      out.data[o] = a === 0 ? base.data[o] : a === 1 ? heat.data[o] : (1 - a) * base.data[o] + a * heat.data[o];
    }
  }
  return out;
}
