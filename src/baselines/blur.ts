/**
 * Blurred baseline (Fong & Vedaldi; Sturmfels et al.): the input smoothed by a Gaussian
 * of standard deviation `sigma` pixels over its spatial dimensions, channel by channel.
 * The kernel is truncated at 4 sigma and normalised, and borders reflect
 * (scipy.ndimage's 'reflect' mode: d c b a | a b c d | d c b a), so a constant image
 * blurs to itself exactly (up to float rounding). Blurring commutes with per-channel
 * normalisation, so it works directly in the model's space.
 */
import type { Model } from '../engine/model.js';
import { makeSampler, type BaselineSampler } from './baseline.js';
import { asSpace, type InputSpace, type Preprocessing } from '../engine/space.js';

export interface BlurOptions {
  /** Standard deviation in pixels. */
  sigma: number;
  /** Kernel half-width in sigmas (default 4, as scipy). */
  truncate?: number;
}

export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let t = -radius; t <= radius; t++) total += k[t + radius] = Math.exp((-0.5 * t * t) / (sigma * sigma));
  for (let t = 0; t < k.length; t++) k[t] /= total;
  return k;
}

function reflect(p: number, n: number): number {
  // scipy 'reflect' (half-sample symmetric), for any distance
  const period = 2 * n;
  p = ((p % period) + period) % period;
  return p < n ? p : period - 1 - p;
}

/** Blur one example (or several: the array may hold any whole number of examples). */
export function blurImage(values: Float32Array, space: InputSpace, options: BlurOptions): Float32Array {
  const { sigma, truncate = 4 } = options;
  if (!(sigma >= 0)) throw new Error(`blur sigma must be >= 0, got ${sigma}`);
  if (space.layout === 'flat') throw new Error('the blur baseline needs an image layout (NCHW or NHWC): pass preprocessing.layout');
  let src = Float64Array.from(values);
  if (sigma === 0) return Float32Array.from(src);
  const kernel = gaussianKernel(sigma, truncate);
  const radius = (kernel.length - 1) / 2;
  const { dims, strides } = space.spatial;
  for (let axis = 0; axis < dims.length; axis++) {
    const n = dims[axis];
    const st = strides[axis];
    if (n === 1) continue;
    const dst = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const coord = Math.floor(i / st) % n;
      const base = i - coord * st;
      let acc = 0;
      for (let t = -radius; t <= radius; t++) acc += kernel[t + radius] * src[base + reflect(coord + t, n) * st];
      dst[i] = acc;
    }
    src = dst;
  }
  return Float32Array.from(src);
}

export function blurBaseline(
  space: InputSpace | Model | readonly number[],
  options: BlurOptions,
  preprocessing?: Preprocessing,
): BaselineSampler {
  const s = asSpace(space, preprocessing);
  blurImage(new Float32Array(s.size), s, options); // validate options now
  return makeSampler(`blur(sigma=${options.sigma})`, false, (input) => blurImage(input, s, options));
}
