/**
 * The pieces of scikit-image 0.19's SLIC outside its k-means: the RGB -> CIELAB conversion
 * (`skimage.color.rgb2lab`, D65, 2-degree observer) and the seed grid
 * (`skimage.util.regular_grid`). See slic.ts.
 */

const XYZ_FROM_RGB = [0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227];
const D65 = [0.95047, 1, 1.08883];

/** skimage.color.rgb2lab of a float64 [h*w, 3] array (in place). */
export function rgb2lab(px: Float64Array): void {
  const lin = (v: number) => (v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92);
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  for (let p = 0; p < px.length; p += 3) {
    const r = lin(px[p]);
    const g = lin(px[p + 1]);
    const b = lin(px[p + 2]);
    const xyz = [0, 1, 2].map((i) => r * XYZ_FROM_RGB[3 * i] + g * XYZ_FROM_RGB[3 * i + 1] + b * XYZ_FROM_RGB[3 * i + 2]);
    const [x, y, z] = xyz.map((v, i) => f(v / D65[i]));
    px[p] = 116 * y - 16;
    px[p + 1] = 500 * (x - y);
    px[p + 2] = 200 * (y - z);
  }
}

/** skimage.util.regular_grid for a [1, h, w] volume: starts and steps along y and x. */
export function regularGrid(h: number, w: number, n: number): { starts: number[]; steps: number[] } {
  const dims = [1, h, w];
  const space = h * w;
  if (space <= n) return { starts: [0, 0], steps: [1, 1] };
  const sorted = [...dims].sort((a, b) => a - b);
  const order = [0, 1, 2].sort((a, b) => dims[a] - dims[b]); // stable, as numpy on 3 elements
  const step = new Array(3).fill(Math.pow(space / n, 1 / 3));
  if (sorted.some((d, i) => d < step[i])) {
    for (let d = 0; d < 3; d++) {
      step[d] = sorted[d];
      const rest = sorted.slice(d + 1).reduce((a, b) => a * b, 1);
      for (let j = d + 1; j < 3; j++) step[j] = Math.pow(rest / n, 1 / (3 - d - 1));
      if (sorted.every((s, i) => s >= step[i])) break;
    }
  }
  const byDim = new Array(3);
  order.forEach((dim, i) => (byDim[dim] = step[i]));
  const roundHalfEven = (v: number) => {
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  };
  return { starts: [Math.floor(byDim[1] / 2), Math.floor(byDim[2] / 2)], steps: [roundHalfEven(byDim[1]), roundHalfEven(byDim[2])] };
}
