/**
 * Test models for the mask methods (test helpers, not shipped through the barrel): a
 * two-class function model whose class-0 logit is the texture energy of given square
 * regions of a [3, H, W] image, so deleting (blurring) a region destroys the evidence.
 */
import { functionModel, type FunctionModel } from '../../engine/function.js';
import { Rng } from '../../random.js';

export interface Square {
  top: number;
  left: number;
  size: number;
}

/**
 * logit0 = gain * (max over regions of mean x^2 within the region) - bias; logit1 = 0. With
 * `mode: 'sum'` the regions' energies add instead (both needed); 'max' (default) makes
 * each region sufficient on its own (a smooth max: log-sum-exp with sharpness 20).
 */
export function regionModel(h: number, w: number, regions: Square[], options: { gain?: number; bias?: number; mode?: 'max' | 'sum' } = {}): FunctionModel {
  const gain = options.gain ?? 8, bias = options.bias ?? 4, mode = options.mode ?? 'max';
  const hw = h * w;
  const energies = (x: ArrayLike<number>) =>
    regions.map((r) => {
      let s = 0;
      for (let c = 0; c < 3; c++) for (let y = r.top; y < r.top + r.size; y++) for (let xx = r.left; xx < r.left + r.size; xx++) s += x[c * hw + y * w + xx] ** 2;
      return s / (3 * r.size * r.size);
    });
  const sharp = 20;
  const combine = (e: number[]) => {
    if (mode === 'sum') return { v: e.reduce((a, b) => a + b, 0), d: e.map(() => 1) };
    const mx = Math.max(...e);
    const ex = e.map((v) => Math.exp(sharp * (v - mx)));
    const z = ex.reduce((a, b) => a + b, 0);
    return { v: mx + Math.log(z) / sharp, d: ex.map((v) => v / z) };
  };
  return functionModel({
    inputShape: [3, h, w],
    outputShape: [2],
    batchSize: 8,
    forward: (x) => [gain * combine(energies(x)).v - bias, 0],
    vjp: (x, cot) => {
      const { d } = combine(energies(x));
      const g = new Float64Array(x.length);
      regions.forEach((r, i) => {
        const k = (cot[0] * gain * d[i] * 2) / (3 * r.size * r.size);
        for (let c = 0; c < 3; c++) for (let y = r.top; y < r.top + r.size; y++) for (let xx = r.left; xx < r.left + r.size; xx++) g[c * hw + y * w + xx] += k * x[c * hw + y * w + xx];
      });
      return g;
    },
  });
}

/** A zero-mean image: a +-1 checkerboard (texture) everywhere, plus small noise; blurring it gives about 0. */
export function texturedImage(h: number, w: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) x[c * h * w + y * w + xx] = ((x.length + y + xx) % 2 ? 1 : -1) + 0.1 * rng.normal();
  return x;
}

/** Intersection over union of two position sets given as 0/1 maps. */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0, u = 0;
  for (let p = 0; p < a.length; p++) {
    if (a[p] && b[p]) i++;
    if (a[p] || b[p]) u++;
  }
  return u ? i / u : 1;
}

/** The top-k positions of a map as a 0/1 map. */
export function topK(map: ArrayLike<number>, k: number): Uint8Array {
  const idx = Array.from({ length: map.length }, (_, i) => i).sort((a, b) => map[b] - map[a] || a - b);
  const out = new Uint8Array(map.length);
  for (let j = 0; j < k; j++) out[idx[j]] = 1;
  return out;
}

export function squareMap(h: number, w: number, r: Square): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let y = r.top; y < r.top + r.size; y++) for (let x = r.left; x < r.left + r.size; x++) out[y * w + x] = 1;
  return out;
}
