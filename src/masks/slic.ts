/**
 * SLIC superpixels (Achanta et al. 2012), as scikit-image 0.19's
 * `segmentation.slic(image, n_segments, compactness, max_num_iter=10, sigma=0,
 * enforce_connectivity=True, min_size_factor=0.5, max_size_factor=3)` computes them:
 *
 * 1. rescale the whole image to [0, 1] (minus its min, divided by its max);
 * 2. RGB images go to CIELAB (skimage's rgb2lab: sRGB, D65, 2-degree observer);
 * 3. optional Gaussian smoothing (sigma pixels, 'reflect');
 * 4. seeds on skimage's regular grid (`regular_grid`), colours starting at 0, the colour
 *    scaled by 1 / compactness and space by 1 / step^2;
 * 5. k-means restricted to a 2-step window around each centre, `maxIter` rounds;
 * 6. connectivity: 4-connected pieces smaller than min_size_factor * (pixels / seeds)
 *    join the last labelled neighbour seen by the breadth-first search.
 *
 * Labels follow first appearance in raster order (skimage's start at 1; ours at 0).
 */
import { relabel, type FeatureMask } from './featureMask.js';
import { scipyGaussian, scipyGaussianKernel, toHWC, type ImageLayout } from './numeric.js';
import { regularGrid, rgb2lab } from './slicParts.js';

export const SLIC_DEFAULTS = { segments: 100, compactness: 10, maxIter: 10, sigma: 0 } as const;

export interface SlicOptions {
  /** Approximate number of superpixels (seeds on a regular grid). Default 100. */
  segments?: number;
  /** Balance of colour and space: higher gives squarer superpixels. Default 10. */
  compactness?: number;
  /** k-means rounds. Default 10. */
  maxIter?: number;
  /** Gaussian pre-smoothing in pixels. Default 0. */
  sigma?: number;
  /** Convert 3-channel images to CIELAB first. Default true (skimage's default for RGB). */
  lab?: boolean;
  /** Layout of a 3-d image; default: the smaller end is the channel axis. */
  layout?: ImageLayout;
}

export function slic(image: ArrayLike<number>, shape: readonly number[], options: SlicOptions = {}): FeatureMask {
  const { segments = SLIC_DEFAULTS.segments, compactness = SLIC_DEFAULTS.compactness, maxIter = SLIC_DEFAULTS.maxIter } = options;
  const sigma = options.sigma ?? SLIC_DEFAULTS.sigma;
  if (!(segments >= 1) || !Number.isInteger(segments)) throw new Error(`slic segments must be a whole number >= 1, got ${segments}`);
  if (!(compactness > 0)) throw new Error(`slic compactness must be > 0, got ${compactness}`);
  const hwc = toHWC(image, shape, options.layout);
  const { h, w, c } = hwc;
  let img = hwc.data;
  let lo = Infinity;
  for (const v of img) lo = Math.min(lo, v);
  for (let i = 0; i < img.length; i++) img[i] -= lo;
  let hi = -Infinity;
  for (const v of img) hi = Math.max(hi, v);
  if (hi !== 0) for (let i = 0; i < img.length; i++) img[i] /= hi;
  if (c === 3 && (options.lab ?? true)) rgb2lab(img);
  if (sigma > 0) {
    // skimage smooths the [1, h, w, c] volume: its depth axis (size 1) is a pass too
    const k = scipyGaussianKernel(sigma);
    const r = (k.length - 1) / 2;
    for (let i = 0; i < img.length; i++) {
      let acc = img[i] * k[r];
      for (let j = r; j >= 1; j--) acc += (img[i] + img[i]) * k[r - j];
      img[i] = acc;
    }
    img = scipyGaussian(img, h, w, c, sigma, 'reflect');
  }

  // seeds: centres (y, x) on the grid, colours 0
  const grid = regularGrid(h, w, segments);
  const cy: number[] = [];
  const cx: number[] = [];
  for (let y = grid.starts[0]; y < h; y += grid.steps[0]) for (let x = grid.starts[1]; x < w; x += grid.steps[1]) cy.push(y), cx.push(x);
  const n = cy.length;
  const step = Math.fround(Math.max(1, grid.steps[0], grid.steps[1]));
  const ratio = 1 / compactness;
  for (let i = 0; i < img.length; i++) img[i] *= ratio;
  const inner = regularGrid(h, w, n); // skimage recomputes the window steps from the seed count
  const [sy, sx] = inner.steps;
  const centres = new Float64Array(n * (3 + c));
  for (let k = 0; k < n; k++) (centres[k * (3 + c) + 1] = cy[k]), (centres[k * (3 + c) + 2] = cx[k]);
  const labels = new Int32Array(h * w);
  const distance = new Float64Array(h * w);
  const spatialWeight = 1 / (step * step);
  const F = 3 + c;
  for (let iter = 0; iter < maxIter; iter++) {
    let change = false;
    distance.fill(Number.MAX_VALUE);
    for (let k = 0; k < n; k++) {
      const ky = centres[k * F + 1];
      const kx = centres[k * F + 2];
      const y0 = Math.trunc(Math.max(ky - 2 * sy, 0));
      const y1 = Math.trunc(Math.min(ky + 2 * sy + 1, h));
      const x0 = Math.trunc(Math.max(kx - 2 * sx, 0));
      const x1 = Math.trunc(Math.min(kx + 2 * sx + 1, w));
      const dz = centres[k * F] * centres[k * F];
      for (let y = y0; y < y1; y++) {
        const dy = (ky - y) * (ky - y);
        for (let x = x0; x < x1; x++) {
          const dx = (kx - x) * (kx - x);
          let d = (dz + dy + dx) * spatialWeight;
          let dc = 0;
          const p = y * w + x;
          for (let ch = 0; ch < c; ch++) {
            const t = img[p * c + ch] - centres[k * F + 3 + ch];
            dc += t * t;
          }
          d += dc;
          if (distance[p] > d) {
            labels[p] = k;
            distance[p] = d;
            change = true;
          }
        }
      }
    }
    if (!change) break;
    const members = new Float64Array(n);
    centres.fill(0);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const k = labels[y * w + x];
        members[k]++;
        centres[k * F + 1] += y;
        centres[k * F + 2] += x;
        for (let ch = 0; ch < c; ch++) centres[k * F + 3 + ch] += img[(y * w + x) * c + ch];
      }
    for (let k = 0; k < n; k++) for (let f = 0; f < F; f++) centres[k * F + f] /= members[k];
  }
  const size = (h * w) / n;
  return relabel(enforceConnectivity(labels, h, w, Math.trunc(0.5 * size), Math.trunc(3 * size)), [h, w]);
}

/** skimage's _enforce_label_connectivity_cython for one slice (labels from 1; 0 = unvisited). */
function enforceConnectivity(segments: Int32Array, h: number, w: number, minSize: number, maxSize: number): Int32Array {
  const out = new Int32Array(h * w);
  const list = new Int32Array(Math.max(maxSize, 1));
  const DX = [1, -1, 0, 0];
  const DY = [0, 0, 1, -1];
  let current = 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (out[y * w + x] > 0) continue;
      let adjacent = current;
      const label = segments[y * w + x];
      out[y * w + x] = current;
      let size = 1;
      let visited = 0;
      list[0] = y * w + x;
      while (visited < size && size < maxSize) {
        const py = Math.floor(list[visited] / w);
        const px = list[visited] % w;
        for (let i = 0; i < 4; i++) {
          const yy = py + DY[i];
          const xx = px + DX[i];
          if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
          const q = yy * w + xx;
          if (segments[q] === label && out[q] === 0) {
            out[q] = current;
            list[size++] = q;
            if (size >= maxSize) break;
          } else if (out[q] > 0 && out[q] !== current) adjacent = out[q];
        }
        visited++;
      }
      if (size < minSize) for (let i = 0; i < size; i++) out[list[i]] = adjacent;
      else current++;
    }
  return out;
}
