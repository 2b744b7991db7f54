/**
 * A model input (in pixel space) as a picture: grey for one channel, RGB for three,
 * values mapped from `range` to 0..255. Model-space values (after mean/std) must first be
 * taken back to pixels (the baselines' InputSpace.toPixels).
 */
import { imageDims, indexOf, type Layout } from './layout.js';
import { createRgba, type RgbaImage } from './rgba.js';

export interface InputImageOptions {
  layout?: Layout;
  /** Pixel value range drawn as 0..255; default [0, 1]. Values outside are clamped. */
  range?: readonly [number, number];
  /** Channel order of the values, when there are three: draw BGR models' inputs in true colour. Default 'RGB'. */
  order?: 'RGB' | 'BGR';
}

export function inputImage(values: ArrayLike<number>, shape: readonly number[], options: InputImageOptions = {}): RgbaImage {
  const dims = imageDims(shape, options.layout);
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo)) throw new Error(`range [${lo}, ${hi}] must have min < max`);
  if (dims.channels !== 1 && dims.channels !== 3) {
    throw new Error(`cannot draw an input with ${dims.channels} channels as a picture (1 or 3 expected)`);
  }
  const out = createRgba(dims.width, dims.height);
  const bgr = options.order === 'BGR';
  for (let y = 0; y < dims.height; y++) {
    for (let x = 0; x < dims.width; x++) {
      const o = (y * dims.width + x) * 4;
      for (let k = 0; k < 3; k++) {
        const c = dims.channels === 1 ? 0 : bgr ? 2 - k : k;
        out.data[o + k] = Math.round((255 * (values[indexOf(dims, c, y, x)] - lo)) / (hi - lo));
      }
      out.data[o + 3] = 255;
    }
  }
  return out;
}

/** Luminance (Rec. 601) as grey, to make a colour overlay readable on a colour photo. */
export function toGrey(image: RgbaImage): RgbaImage {
  const out = createRgba(image.width, image.height);
  const d = image.data;
  for (let o = 0; o < d.length; o += 4) {
    const g = 0.299 * d[o] + 0.587 * d[o + 1] + 0.114 * d[o + 2];
    out.data[o] = out.data[o + 1] = out.data[o + 2] = g;
    out.data[o + 3] = d[o + 3];
  }
  return out;
}
