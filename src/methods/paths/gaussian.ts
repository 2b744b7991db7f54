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

/** scipy's kernel for sigma, widened with zero taps to radius r (adding x * 0 leaves every sum as it was). */
function kernelOfRadius(sigma: number, r: number): Float64Array {
  const k = scipyGaussianKernel(sigma);
  const own = (k.length - 1) / 2;
  if (own === r) return k;
  const wide = new Float64Array(2 * r + 1);
  wide.set(k, r - own);
  return wide;
}

/**
 * gaussianFilter(values, space, s1, 'constant') and (..., s2, 'constant') in one sweep: the
 * two sums of every output run side by side (the same taps of the same lines), which
 * halves the line reads and the loop work and keeps two independent additions in flight.
 * Each sum adds its taps in gaussianFilter's order, so both results equal its values.
 */
export function gaussianFilterPair(values: Float64Array, space: InputSpace, s1: number, s2: number): [Float64Array, Float64Array] {
  if (space.layout === 'flat') throw new Error('blurring needs an image layout (NCHW or NHWC): pass preprocessing.layout');
  if (!(s1 > 1e-15 && s2 > 1e-15)) return [gaussianFilter(values, space, s1, 'constant'), gaussianFilter(values, space, s2, 'constant')];
  const r = Math.max(Math.floor(4 * s1 + 0.5), Math.floor(4 * s2 + 0.5));
  const k1 = kernelOfRadius(s1, r);
  const k2 = kernelOfRadius(s2, r);
  let a = values;
  let b = values;
  const { dims, strides } = space.spatial;
  for (let axis = 0; axis < dims.length; axis++) {
    const n = dims[axis];
    const st = strides[axis];
    const da = new Float64Array(values.length);
    const db = new Float64Array(values.length);
    const lines = Array.from({ length: 4 }, () => new Float64Array(n));
    const count = (values.length / (st * n)) * st;
    const baseOf = (l: number) => Math.floor(l / st) * st * n + (l % st);
    // two lines at a time (the second may repeat the first), each through both kernels: four sums in flight
    for (let l = 0; l < count; l += 2) {
      const b0 = baseOf(l);
      const b1 = baseOf(Math.min(l + 1, count - 1));
      const [a0, a1, c0, c1] = lines;
      for (let i = 0; i < n; i++) {
        a0[i] = a[b0 + i * st];
        a1[i] = a[b1 + i * st];
        c0[i] = b[b0 + i * st];
        c1[i] = b[b1 + i * st];
      }
      for (let i = 0; i < n; i++) tapFour(a0, c0, a1, c1, i, k1, k2, r, da, db, b0 + i * st, b1 + i * st);
    }
    a = da;
    b = db;
  }
  return [a, b];
}

/** tapConstant of four lines: a0 and a1 with k1 (into da), c0 and c1 with k2 (into db); all of the same length and radius. */
function tapFour(a0: Float64Array, c0: Float64Array, a1: Float64Array, c1: Float64Array, i: number, k1: Float64Array, k2: Float64Array, r: number, da: Float64Array, db: Float64Array, at0: number, at1: number): void {
  const n = a0.length;
  const both = Math.min(i, n - 1 - i, r);
  const far = Math.min(r, Math.max(i, n - 1 - i));
  const kr1 = k1[r];
  const kr2 = k2[r];
  let s0 = a0[i] * kr1;
  let t0 = c0[i] * kr2;
  let s1 = a1[i] * kr1;
  let t1 = c1[i] * kr2;
  const side = i <= n - 1 - i ? 1 : -1;
  for (let j = far; j > both; j--) {
    const p = i + side * j;
    const w1 = k1[r - j];
    const w2 = k2[r - j];
    s0 += a0[p] * w1;
    t0 += c0[p] * w2;
    s1 += a1[p] * w1;
    t1 += c1[p] * w2;
  }
  for (let j = both; j >= 1; j--) {
    const w1 = k1[r - j];
    const w2 = k2[r - j];
    s0 += (a0[i - j] + a0[i + j]) * w1;
    t0 += (c0[i - j] + c0[i + j]) * w2;
    s1 += (a1[i - j] + a1[i + j]) * w1;
    t1 += (c1[i - j] + c1[i + j]) * w2;
  }
  da[at0] = s0;
  db[at0] = t0;
  da[at1] = s1;
  db[at1] = t1;
}
