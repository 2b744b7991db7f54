/**
 * scipy.ndimage.gaussian_filter over the spatial axes of one example (channels apart),
 * in float64, with scipy's kernel and summation order (src/masks/numeric.ts), so Blur IG
 * sees the images PAIR's `gaussian_blur` computes. 'constant' pads with 0 (PAIR's choice);
 * taps beyond both borders are skipped, which adds exact zeros and so changes nothing.
 */
import type { InputSpace } from '../../baselines/space.js';
import { scipyGaussianKernel, type BorderMode } from '../../masks/numeric.js';

export function gaussianFilter(values: Float64Array, space: InputSpace, sigma: number, mode: BorderMode): Float64Array {
  if (space.layout === 'flat') throw new Error('blurring needs an image layout (NCHW or NHWC): pass preprocessing.layout');
  if (!(sigma >= 0)) throw new Error(`Gaussian sigma must be >= 0, got ${sigma}`);
  let src = Float64Array.from(values);
  if (sigma <= 1e-15) return src;
  const k = scipyGaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const { dims, strides } = space.spatial;
  for (let axis = 0; axis < dims.length; axis++) {
    const n = dims[axis];
    const st = strides[axis];
    const dst = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const coord = Math.floor(i / st) % n;
      const base = i - coord * st;
      let acc = src[i] * k[r];
      if (mode === 'constant') {
        for (let j = Math.min(r, Math.max(coord, n - 1 - coord)); j >= 1; j--) {
          const a = coord - j >= 0 ? src[base + (coord - j) * st] : 0;
          const b = coord + j < n ? src[base + (coord + j) * st] : 0;
          acc += (a + b) * k[r - j];
        }
      } else {
        const period = 2 * n;
        const at = (p: number) => {
          p = ((p % period) + period) % period;
          return src[base + (p < n ? p : period - 1 - p) * st];
        };
        for (let j = r; j >= 1; j--) acc += (at(coord - j) + at(coord + j)) * k[r - j];
      }
      dst[i] = acc;
    }
    src = dst;
  }
  return src;
}
