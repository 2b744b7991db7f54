/**
 * Felzenszwalb-Huttenlocher graph segmentation (IJCV 2004), as scikit-image 0.19's
 * `segmentation.felzenszwalb(image, scale, sigma, min_size)` computes it:
 *
 * 1. scale <- scale / 255 (skimage's images are floats in [0, 1]; the paper's k is for 0..255);
 * 2. smooth each channel by a Gaussian of `sigma` pixels (scipy, 'reflect' borders);
 * 3. 8-connected grid graph, edge cost = Euclidean colour distance, edges in the order
 *    right, down, down-right, up-right, sorted by numpy's (unstable) argsort;
 * 4. Kruskal-style merge: join two components when the edge cost is below
 *    min(Int(C) + scale / |C|) of both (that threshold held in float32, as skimage does);
 * 5. join components smaller than `min_size` along the sorted edges.
 *
 * Labels follow the first appearance of each segment in raster order. The values are
 * those of the image as given (skimage does not rescale float images): pass pixels in
 * [0, 1] to use skimage's usual parameters. Agreement with skimage is tested on the demo
 * photographs (fixtures/regions).
 */
import { relabel, type FeatureMask } from './featureMask.js';
import { numpyArgsort, scipyGaussian, toHWC, type ImageLayout } from './numeric.js';

export const FELZENSZWALB_DEFAULTS = { scale: 1, sigma: 0.8, minSize: 20 } as const;

export interface FelzenszwalbOptions {
  /** Observation level: higher gives larger segments. Default 1 (skimage). */
  scale?: number;
  /** Gaussian pre-smoothing in pixels. Default 0.8. */
  sigma?: number;
  /** Smallest segment in pixels (joined to a neighbour otherwise). Default 20. */
  minSize?: number;
  /** Layout of a 3-d image; default: the smaller end is the channel axis. */
  layout?: ImageLayout;
}

function findRoot(forest: Int32Array, n: number): number {
  let root = n;
  while (forest[root] < root) root = forest[root];
  while (forest[n] > root) {
    const next = forest[n];
    forest[n] = root;
    n = next;
  }
  return root;
}

function joinTrees(forest: Int32Array, n: number, m: number): number {
  const a = findRoot(forest, n);
  const b = findRoot(forest, m);
  const root = Math.min(a, b);
  forest[a] = root;
  forest[b] = root;
  return root;
}

export function felzenszwalb(image: ArrayLike<number>, shape: readonly number[], options: FelzenszwalbOptions = {}): FeatureMask {
  const { scale = FELZENSZWALB_DEFAULTS.scale, sigma = FELZENSZWALB_DEFAULTS.sigma, minSize = FELZENSZWALB_DEFAULTS.minSize } = options;
  if (!(scale > 0)) throw new Error(`felzenszwalb scale must be > 0, got ${scale}`);
  if (!(sigma >= 0)) throw new Error(`felzenszwalb sigma must be >= 0, got ${sigma}`);
  if (!(minSize >= 0) || !Number.isInteger(minSize)) throw new Error(`felzenszwalb min size must be a whole number >= 0, got ${minSize}`);
  const { data, h, w, c } = toHWC(image, shape, options.layout);
  const img = scipyGaussian(data, h, w, c, sigma, 'reflect');
  const k = scale / 255;

  // edges (a, b) with their costs, in skimage's order: right, down, down-right, up-right
  const count = h * (w - 1) + (h - 1) * w + 2 * (h - 1) * (w - 1);
  const ea = new Int32Array(count);
  const eb = new Int32Array(count);
  const cost = new Float64Array(count);
  let e = 0;
  const add = (a: number, b: number) => {
    let s = 0;
    for (let ch = 0; ch < c; ch++) {
      const d = img[a * c + ch] - img[b * c + ch];
      s += d * d;
    }
    ea[e] = a;
    eb[e] = b;
    cost[e++] = Math.sqrt(s);
  };
  for (let y = 0; y < h; y++) for (let x = 0; x < w - 1; x++) add(y * w + x + 1, y * w + x);
  for (let y = 0; y < h - 1; y++) for (let x = 0; x < w; x++) add((y + 1) * w + x, y * w + x);
  for (let y = 0; y < h - 1; y++) for (let x = 0; x < w - 1; x++) add((y + 1) * w + x + 1, y * w + x);
  for (let y = 0; y < h - 1; y++) for (let x = 0; x < w - 1; x++) add(y * w + x + 1, (y + 1) * w + x);
  const order = numpyArgsort(cost);

  const forest = new Int32Array(h * w);
  for (let i = 0; i < forest.length; i++) forest[i] = i;
  const size = new Int32Array(h * w).fill(1);
  const inner = new Float64Array(h * w);
  for (const i of order) {
    const s0 = findRoot(forest, ea[i]);
    const s1 = findRoot(forest, eb[i]);
    if (s0 === s1) continue;
    const t0 = Math.fround(inner[s0] + k / size[s0]);
    const t1 = Math.fround(inner[s1] + k / size[s1]);
    if (cost[i] < Math.min(t0, t1)) {
      const root = joinTrees(forest, s0, s1);
      size[root] = size[s0] + size[s1];
      inner[root] = cost[i];
    }
  }
  for (const i of order) {
    const s0 = findRoot(forest, ea[i]);
    const s1 = findRoot(forest, eb[i]);
    if (s0 === s1) continue;
    if (size[s0] < minSize || size[s1] < minSize) {
      const root = joinTrees(forest, s0, s1);
      size[root] = size[s0] + size[s1];
    }
  }
  const roots = new Int32Array(h * w);
  for (let i = 0; i < roots.length; i++) roots[i] = findRoot(forest, i);
  return relabel(roots, [h, w]);
}
