/**
 * The numerics the superpixel algorithms share, written to reproduce scikit-image's
 * results exactly (not just closely): ties and near-ties in edge costs and cluster
 * distances decide which regions merge, so the order of float operations matters.
 *
 * - `toHWC`: an image in either layout as float64 [h, w, c];
 * - `scipyGaussian`: scipy.ndimage.gaussian_filter over the two spatial axes, with
 *   scipy's kernel (exp(-0.5 / sigma^2 * x^2), normalised by numpy's pairwise sum) and
 *   its symmetric correlation loop (outermost taps first);
 * - `numpyArgsort`: numpy's default argsort (introsort, SMALL_QUICKSORT = 15), which is
 *   not stable: equal costs come out in numpy's order, not index order.
 */

export type ImageLayout = 'NCHW' | 'NHWC';

/** An image [c, h, w] or [h, w, c] (or [h, w]) as float64 [h, w, c]. */
export function toHWC(
  image: ArrayLike<number>,
  shape: readonly number[],
  layout?: ImageLayout,
): { data: Float64Array; h: number; w: number; c: number } {
  if (shape.length === 2) {
    const [h, w] = shape;
    if (image.length !== h * w) throw new Error(`image holds ${image.length} values, not ${h}x${w}`);
    return { data: Float64Array.from(image), h, w, c: 1 };
  }
  if (shape.length !== 3) throw new Error(`superpixels need an image [c, h, w] or [h, w, c], got shape [${shape.join(', ')}]`);
  const lay = layout ?? (shape[0] <= shape[2] ? 'NCHW' : 'NHWC');
  const [h, w, c] = lay === 'NCHW' ? [shape[1], shape[2], shape[0]] : [shape[0], shape[1], shape[2]];
  if (image.length !== h * w * c) throw new Error(`image holds ${image.length} values, not ${shape.join('x')}`);
  if (lay === 'NHWC') return { data: Float64Array.from(image), h, w, c };
  const data = new Float64Array(h * w * c);
  for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) data[p * c + k] = image[k * h * w + p];
  return { data, h, w, c };
}

/** numpy's pairwise summation (np.sum of a contiguous float64 array). */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0].map((_, j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let s = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) s += a[start + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

/** scipy's 1-d Gaussian kernel (truncate 4): radius floor(4 sigma + 0.5). */
export function scipyGaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const c = -0.5 / (sigma * sigma);
  const k = new Float64Array(2 * radius + 1);
  for (let i = 0; i < k.length; i++) k[i] = Math.exp(c * (i - radius) ** 2);
  const total = numpySum(k);
  for (let i = 0; i < k.length; i++) k[i] /= total;
  return k;
}

export type BorderMode = 'reflect' | 'constant';

/**
 * scipy.ndimage.gaussian_filter(x, [sigma, sigma, 0], mode) of a float64 [h, w, c] image
 * (axes 0 then 1), in a new array. 'reflect' is half-sample symmetric; 'constant' pads 0.
 */
export function scipyGaussian(x: Float64Array, h: number, w: number, c: number, sigma: number, mode: BorderMode = 'reflect'): Float64Array {
  if (!(sigma >= 0)) throw new Error(`Gaussian sigma must be >= 0, got ${sigma}`);
  if (sigma <= 1e-15) return Float64Array.from(x);
  const k = scipyGaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const pass = (src: Float64Array, n: number, stride: number): Float64Array => {
    const dst = new Float64Array(src.length);
    const at = (base: number, p: number): number => {
      if (p >= 0 && p < n) return src[base + p * stride];
      if (mode === 'constant') return 0;
      const period = 2 * n;
      p = ((p % period) + period) % period;
      return src[base + (p < n ? p : period - 1 - p) * stride];
    };
    for (let i = 0; i < src.length; i++) {
      const coord = Math.floor(i / stride) % n;
      const base = i - coord * stride;
      let acc = src[i] * k[r];
      for (let j = r; j >= 1; j--) acc += (at(base, coord - j) + at(base, coord + j)) * k[r - j];
      dst[i] = acc;
    }
    return dst;
  };
  return pass(pass(x, h, w * c), w, c);
}

/** numpy's default argsort (quicksort = introsort) of float64 keys: the same order, ties included. */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const idx = new Int32Array(v.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  const swap = (a: number, b: number) => {
    const t = idx[a];
    idx[a] = idx[b];
    idx[b] = t;
  };
  const stack: number[] = [];
  const depths: number[] = [];
  let pl = 0;
  let pr = v.length - 1;
  let cdepth = v.length > 0 ? 2 * Math.floor(Math.log2(v.length)) : 0;
  for (;;) {
    if (cdepth < 0) {
      // numpy falls back to heapsort here; adversarial inputs only. Sort this range stably instead.
      const part = Array.from(idx.subarray(pl, pr + 1)).sort((a, b) => v[a] - v[b] || a - b);
      idx.set(part, pl);
    } else {
      while (pr - pl > 15) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[idx[pm]] < v[idx[pl]]) swap(pm, pl);
        if (v[idx[pr]] < v[idx[pm]]) swap(pr, pm);
        if (v[idx[pm]] < v[idx[pl]]) swap(pm, pl);
        const vp = v[idx[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (v[idx[pi]] < vp);
          do --pj;
          while (vp < v[idx[pj]]);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depths.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = idx[pi];
        const x = v[vi];
        let pj = pi;
        while (pj > pl && x < v[idx[pj - 1]]) {
          idx[pj] = idx[pj - 1];
          pj--;
        }
        idx[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depths.pop()!;
  }
  return idx;
}
