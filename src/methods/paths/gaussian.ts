/**
 * scipy.ndimage.gaussian_filter over the spatial axes of one example (channels apart),
 * in float64, with scipy's kernel and summation order (src/masks/numeric.ts), so Blur IG
 * sees the images PAIR's `gaussian_blur` computes. 'constant' pads with 0 (PAIR's choice);
 * taps beyond both borders are skipped, which adds exact zeros and so changes nothing, and
 * each line is copied out first so the tap loops run over contiguous memory.
 */
import type { InputSpace } from '../../engine/space.js';
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
    const line = new Float64Array(n);
    const blocks = src.length / (st * n);
    for (let outer = 0; outer < blocks; outer++)
      for (let inner = 0; inner < st; inner++) {
        const base = outer * st * n + inner;
        for (let i = 0; i < n; i++) line[i] = src[base + i * st];
        for (let i = 0; i < n; i++) dst[base + i * st] = mode === 'constant' ? tapConstant(line, i, k, r) : tapReflect(line, i, k, r);
      }
    src = dst;
  }
  return src;
}

/** One output of scipy's symmetric correlation with zero borders (taps in scipy's order: outermost first). */
function tapConstant(line: Float64Array, i: number, k: Float64Array, r: number): number {
  const n = line.length;
  const both = Math.min(i, n - 1 - i, r);
  const far = Math.min(r, Math.max(i, n - 1 - i));
  let acc = line[i] * k[r];
  // beyond one border only one side is in the image: (v + 0) * k is v * k exactly
  if (i <= n - 1 - i) for (let j = far; j > both; j--) acc += line[i + j] * k[r - j];
  else for (let j = far; j > both; j--) acc += line[i - j] * k[r - j];
  for (let j = both; j >= 1; j--) acc += (line[i - j] + line[i + j]) * k[r - j];
  return acc;
}

function tapReflect(line: Float64Array, i: number, k: Float64Array, r: number): number {
  const n = line.length;
  const period = 2 * n;
  const at = (p: number) => {
    p = ((p % period) + period) % period;
    return line[p < n ? p : period - 1 - p];
  };
  let acc = line[i] * k[r];
  for (let j = r; j >= 1; j--) acc += (at(i - j) + at(i + j)) * k[r - j];
  return acc;
}
