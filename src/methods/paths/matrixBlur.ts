/**
 * Blur IG's points and blur derivatives as matrix products on onnxruntime (engine/kernels.ts):
 * exact, not an approximation. scipy's gaussian_filter with zero ('constant') borders along
 * an axis of length n is multiplication by the n x n band matrix
 *
 *   B[i][j] = k[r + j - i] for |j - i| <= r, else 0      (k: scipy's kernel, radius r)
 *
 * (symmetric, as k is), so blur(X, s) = B_h(s) X B_w(s) for each channel X (H x W). PAIR's
 * forward-difference derivative (blur(x, s + g) - blur(x, s)) / g is then
 *
 *   (B_h2 X B_w2 - B_h1 X B_w1) / g = D_h X B_w2 + (B_h1 X) D_w,   D = (B(s + g) - B(s)) / g,
 *
 * with D built in float64 before rounding to float32, so the float32 products do not lose
 * the digits a difference of two float32 blurs would (a difference over g = 0.01). Five
 * GEMMs of one channel per point, a chunk of points per onnxruntime call; the JavaScript
 * filter (gaussian.ts) remains for runtimes without kernels and for other layouts.
 */
import type { Graph } from '../../graph/ir.js';
import type { InputSpace } from '../../engine/space.js';
import { openKernel, type Kernel } from '../../engine/kernels.js';
import { scipyGaussianKernel } from '../../masks/numeric.js';

function blurGraph(): Graph {
  const node = (opType: string, inputs: string[], out: string) => ({ name: out, opType, domain: '', inputs, outputs: [out], attrs: {} });
  const square = (side: string) => ({ dtype: 'float32' as const, shape: ['points', 1, side, side] });
  return {
    name: 'blur-pairs',
    nodes: [
      node('MatMul', ['bh', 'x'], 'p'),
      node('MatMul', ['p', 'bw'], 'at'),
      node('MatMul', ['dh', 'x'], 'q'),
      node('MatMul', ['q', 'bw2'], 's1'),
      node('MatMul', ['p', 'dw'], 's2'),
      node('Add', ['s1', 's2'], 'slope'),
    ],
    inputs: [
      { name: 'x', dtype: 'float32', shape: ['points', 'c', 'h', 'w'] },
      { name: 'bh', ...square('h') },
      { name: 'dh', ...square('h') },
      { name: 'bw', ...square('w') },
      { name: 'bw2', ...square('w') },
      { name: 'dw', ...square('w') },
    ],
    outputs: ['at', 'slope'].map((name) => ({ name, dtype: 'float32' as const, shape: null })),
    initializers: new Map(),
    valueInfo: new Map(),
    opset: 17,
    otherOpsets: {},
    irVersion: 8,
    producer: 'saliency-lab blur kernel',
  };
}

/** The blurred point and its sigma-derivative for a chunk of (image, sigma) pairs. */
export class MatrixBlur {
  private constructor(
    private readonly kernel: Kernel,
    private readonly space: InputSpace,
    private readonly gradStep: number,
  ) {}

  /** A blur kernel for images of this space, or undefined (no onnxruntime loaded, or not a 2-d image). */
  static async open(space: InputSpace, gradStep: number): Promise<MatrixBlur | undefined> {
    if (space.layout === 'flat' || space.spatial.dims.length !== 2) return undefined;
    const kernel = await openKernel(blurGraph());
    return kernel && new MatrixBlur(kernel, space, gradStep);
  }

  /**
   * For each point j: at = blur(images[j], sigmas[j]) and slope = (blur(images[j], sigmas[j] +
   * gradStep) - at) / gradStep, both in the space's layout, point j at j * size.
   */
  async pairs(images: readonly Float64Array[], sigmas: readonly number[]): Promise<{ at: Float32Array; slope: Float32Array }> {
    const { channels, size } = this.space;
    const [h, w] = this.space.spatial.dims;
    const count = images.length;
    const chw = this.space.layout === 'NCHW';
    const x = new Float32Array(count * size);
    // square images share one set of matrices for both axes
    const bw = new Float32Array(count * w * w);
    const bw2 = new Float32Array(count * w * w);
    const dw = new Float32Array(count * w * w);
    const mats = h === w ? { bh: bw, dh: dw, bw, bw2, dw } : { bh: new Float32Array(count * h * h), dh: new Float32Array(count * h * h), bw, bw2, dw };
    for (let j = 0; j < count; j++) {
      const point = x.subarray(j * size, (j + 1) * size);
      if (chw) point.set(images[j]);
      else this.reorder(images[j], point, true);
      const s = sigmas[j];
      const ww = (m: Float32Array) => m.subarray(j * w * w, (j + 1) * w * w);
      bandPair(w, s, this.gradStep, ww(bw), ww(bw2), ww(dw));
      if (h !== w) bandPair(h, s, this.gradStep, mats.bh.subarray(j * h * h, (j + 1) * h * h), undefined, mats.dh.subarray(j * h * h, (j + 1) * h * h));
    }
    const sq = (n: number) => [count, 1, n, n];
    const out = await this.kernel.run({
      x: { data: x, dims: [count, channels, h, w] },
      bh: { data: mats.bh, dims: sq(h) },
      dh: { data: mats.dh, dims: sq(h) },
      bw: { data: mats.bw, dims: sq(w) },
      bw2: { data: mats.bw2, dims: sq(w) },
      dw: { data: mats.dw, dims: sq(w) },
    });
    if (chw) return { at: out['at'], slope: out['slope'] };
    const at = new Float32Array(count * size);
    const slope = new Float32Array(count * size);
    for (let j = 0; j < count; j++) {
      const range = [j * size, (j + 1) * size] as const;
      this.reorder(out['at'].subarray(...range), at.subarray(...range), false);
      this.reorder(out['slope'].subarray(...range), slope.subarray(...range), false);
    }
    return { at, slope };
  }

  dispose(): Promise<void> {
    return this.kernel.dispose();
  }

  /** Between the layout and channels-first: element (c, y, x) sits at c * channelStride + y * strides[0] + x * strides[1]. */
  private reorder(src: ArrayLike<number>, dst: Float32Array, toChw: boolean): void {
    const { channels } = this.space;
    const { dims, strides, channelStride } = this.space.spatial;
    let k = 0;
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < dims[0]; y++)
        for (let xx = 0; xx < dims[1]; xx++, k++) {
          const at = c * channelStride + y * strides[0] + xx * strides[1];
          if (toChw) dst[k] = src[at];
          else dst[at] = src[k];
        }
  }
}

/**
 * The n x n blur matrices of sigma s (the identity for s = 0, as PAIR's gaussian_blur) into b
 * and of s + g into b2 (when given), and their difference over g (in float64, then rounded)
 * into d: band matrices, written on zeroed arrays.
 */
function bandPair(n: number, s: number, g: number, b: Float32Array, b2: Float32Array | undefined, d: Float32Array): void {
  const k1 = s <= 1e-15 ? Float64Array.of(1) : scipyGaussianKernel(s);
  const k2 = scipyGaussianKernel(s + g);
  const r1 = (k1.length - 1) / 2;
  const r2 = (k2.length - 1) / 2;
  const r = Math.max(r1, r2);
  for (let i = 0; i < n; i++)
    for (let j = Math.max(0, i - r); j <= Math.min(n - 1, i + r); j++) {
      const o = j - i;
      const v1 = Math.abs(o) <= r1 ? k1[r1 + o] : 0;
      const v2 = Math.abs(o) <= r2 ? k2[r2 + o] : 0;
      b[i * n + j] = v1;
      if (b2) b2[i * n + j] = v2;
      d[i * n + j] = (v2 - v1) / g;
    }
}
