/**
 * The Integrated Gradients path figure as pictures, one column per grid alpha: the
 * interpolated input x' + alpha (x - x'), the gradient there, and the attribution
 * accumulated up to alpha. Gradients share one cap across alphas, and so do the cumulative
 * attributions, so the columns compare (the gradients' shrinking along a saturated path shows).
 */
import { heatmapOf, type Heatmap, type HeatmapOptions } from './heatmap.js';
import { inputImage, type InputImageOptions } from './input.js';
import { imageDims, reduceChannels, type Layout } from './layout.js';
import { percentile } from './normalize.js';
import type { RgbaImage } from './rgba.js';

/** What integratedGradientsPath returns; structural, no import. */
export interface PathImagesLike {
  alphas: readonly number[];
  /** [n, G, ...inputShape] */
  shape: readonly number[];
  inputs: Float32Array;
  gradients: Float32Array;
  cumulative: Float32Array;
}

export interface PathFigureOptions {
  layout?: Layout;
  /** Model space -> pixel space for the interpolated inputs (InputSpace.toPixels); default identity. */
  toPixels?: (values: Float32Array) => Float32Array;
  /** How the pixels are drawn (range, channel order). */
  input?: InputImageOptions;
  /** Heat map options for the gradient and cumulative rows (scale, signed, percentile, reduce). */
  heatmap?: HeatmapOptions;
}

export interface PathFigure {
  alphas: number[];
  inputs: RgbaImage[];
  gradients: Heatmap[];
  cumulative: Heatmap[];
}

export function pathFigure(path: PathImagesLike, index = 0, options: PathFigureOptions = {}): PathFigure {
  const [n, G, ...inputShape] = path.shape;
  if (!(Number.isInteger(index) && index >= 0 && index < n)) throw new Error(`example ${index} is out of range (path data for ${n})`);
  const layout = options.layout ?? options.heatmap?.layout ?? options.input?.layout;
  const dims = imageDims(inputShape, layout);
  const per = dims.channels * dims.height * dims.width;
  const at = (a: Float32Array, k: number) => a.subarray((index * G + k) * per, (index * G + k + 1) * per);
  const hm = options.heatmap ?? {};
  const row = (a: Float32Array): Heatmap[] => {
    const maps = Array.from({ length: G }, (_, k) => reduceChannels(at(a, k), dims, hm.reduce ?? 'sum'));
    const all = new Float32Array(G * dims.height * dims.width);
    maps.forEach((m, k) => all.set(m.data.map(Math.abs), k * m.data.length));
    const cap = hm.cap ?? percentile(all, hm.percentile ?? 99);
    return maps.map((m) => heatmapOf(m, { ...hm, cap }));
  };
  const toPixels = options.toPixels ?? ((v: Float32Array) => v);
  return {
    alphas: [...path.alphas],
    inputs: Array.from({ length: G }, (_, k) => inputImage(toPixels(Float32Array.from(at(path.inputs, k))), inputShape, { ...options.input, layout: dims.layout })),
    gradients: row(path.gradients),
    cumulative: row(path.cumulative),
  };
}
