/**
 * How alike two saliency maps are (Adebayo et al. 2018, Sanity Checks): Spearman rank
 * correlation, SSIM and HOG similarity; and the Sobel edge map, the control that a
 * model-independent "explanation" gives. Maps are [height, width] (channels summed).
 */

/** Ranks (1-based, ties averaged). */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; 0 when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const [da, db] = [a[i] - ma, b[i] - mb];
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : saa === 0 && sbb === 0 ? 1 : 0;
}

export const spearman = (a: ArrayLike<number>, b: ArrayLike<number>): number => pearson(ranks(a), ranks(b));

export const absolute = (a: ArrayLike<number>): Float64Array => Float64Array.from(a, Math.abs);

/** Scale to [0, 1] by the map's own minimum and maximum (a constant map becomes 0). */
export function unitRange(a: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    lo = Math.min(lo, a[i]);
    hi = Math.max(hi, a[i]);
  }
  return Float64Array.from(a, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}

/**
 * Structural similarity of two maps in [0, 1] (data range 1): mean SSIM over 7x7 windows
 * with uniform weights and sample covariances, as skimage's structural_similarity defaults.
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, window = 7): number {
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  const np = window * window;
  const cov = np / (np - 1);
  let total = 0;
  let count = 0;
  for (let y = 0; y + window <= height; y++) {
    for (let x = 0; x + window <= width; x++) {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let dy = 0; dy < window; dy++) {
        for (let dx = 0; dx < window; dx++) {
          const i = (y + dy) * width + x + dx;
          sa += a[i];
          sb += b[i];
          saa += a[i] * a[i];
          sbb += b[i] * b[i];
          sab += a[i] * b[i];
        }
      }
      const [ma, mb] = [sa / np, sb / np];
      const va = cov * (saa / np - ma * ma);
      const vb = cov * (sbb / np - mb * mb);
      const vab = cov * (sab / np - ma * mb);
      total += ((2 * ma * mb + c1) * (2 * vab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return count ? total / count : 1;
}

/** Histogram of oriented gradients: 9 unsigned orientation bins per `cell` x `cell` block, magnitude-weighted. */
export function hog(a: ArrayLike<number>, height: number, width: number, cell = 4): Float64Array {
  const bins = 9;
  const [cy, cx] = [Math.floor(height / cell), Math.floor(width / cell)];
  const out = new Float64Array(cy * cx * bins);
  const at = (y: number, x: number) => a[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  for (let y = 0; y < cy * cell; y++) {
    for (let x = 0; x < cx * cell; x++) {
      const gx = at(y, x + 1) - at(y, x - 1);
      const gy = at(y + 1, x) - at(y - 1, x);
      const magnitude = Math.hypot(gx, gy);
      const angle = ((Math.atan2(gy, gx) * 180) / Math.PI + 180) % 180;
      const bin = Math.min(bins - 1, Math.floor(angle / (180 / bins)));
      out[(Math.floor(y / cell) * cx + Math.floor(x / cell)) * bins + bin] += magnitude;
    }
  }
  return out;
}

/** HOG similarity: Pearson correlation of the two maps' HOG features. */
export const hogSimilarity = (a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number): number =>
  pearson(hog(a, height, width), hog(b, height, width));

/** Sobel gradient magnitude of an image [height, width]: the model-independent control "explanation". */
export function sobel(image: ArrayLike<number>, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width);
  const at = (y: number, x: number) => image[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      const gy = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      out[y * width + x] = Math.hypot(gx, gy);
    }
  }
  return out;
}

export interface MapSimilarity {
  spearmanAbs: number;
  spearman: number;
  ssim: number;
  hog: number;
}

/** All four similarities of two [height, width] maps (SSIM and HOG on the |map| scaled to [0, 1]). */
export function mapSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number): MapSimilarity {
  const [ua, ub] = [unitRange(absolute(a)), unitRange(absolute(b))];
  return { spearmanAbs: spearman(absolute(a), absolute(b)), spearman: spearman(a, b), ssim: ssim(ua, ub, height, width), hog: hogSimilarity(ua, ub, height, width) };
}
