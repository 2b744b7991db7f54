/**
 * Segmentation specs, as the CLI and the methods take them:
 *   `slic:n=50,compactness=10,sigma=0,iter=10`
 *   `felzenszwalb:scale=100,sigma=0.5,min=50`
 * parseSegmentation(spec) returns a function (image pixels, shape) -> FeatureMask.
 * Pixels are the image as skimage would see it (floats, usually in [0, 1]); the shape is
 * [c, h, w] or [h, w, c] (the smaller end is the channel axis unless a layout is given).
 */
import type { FeatureMask } from './featureMask.js';
import { felzenszwalb, FELZENSZWALB_DEFAULTS } from './felzenszwalb.js';
import { slic, SLIC_DEFAULTS } from './slic.js';
import type { ImageLayout } from './numeric.js';
import type { InputSpace } from '../engine/space.js';

export type Segmenter = ((image: ArrayLike<number>, shape: readonly number[], layout?: ImageLayout) => FeatureMask) & {
  /** The spec with every parameter spelled out, e.g. 'slic:n=50,compactness=10,sigma=0,iter=10'. */
  readonly spec: string;
};

const KEYS: Record<string, Record<string, string>> = {
  slic: { n: 'segments', segments: 'segments', compactness: 'compactness', sigma: 'sigma', iter: 'maxIter', lab: 'lab' },
  felzenszwalb: { scale: 'scale', sigma: 'sigma', min: 'minSize', minsize: 'minSize' },
};

export function parseSegmentation(spec: string): Segmenter {
  const [rawName, rest = ''] = spec.split(':', 2);
  const name = rawName.trim().toLowerCase();
  const keys = KEYS[name];
  if (!keys) throw new Error(`unknown segmentation '${rawName}': use slic:n=50,compactness=10 or felzenszwalb:scale=100,sigma=0.5,min=50`);
  const values: Record<string, number> = {};
  for (const part of rest.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split('=');
    const key = keys[k?.trim().toLowerCase() ?? ''];
    if (!key) throw new Error(`segmentation '${name}' has no parameter '${k}' (known: ${Object.keys(keys).join(', ')})`);
    const num = v?.trim() === 'true' ? 1 : v?.trim() === 'false' ? 0 : Number(v);
    if (v === undefined || !Number.isFinite(num)) throw new Error(`segmentation parameter ${k} needs a number, got '${v ?? ''}' in '${spec}'`);
    values[key] = num;
  }
  if (name === 'slic') {
    const o = { ...SLIC_DEFAULTS, ...values };
    const fn = (image: ArrayLike<number>, shape: readonly number[], layout?: ImageLayout) =>
      slic(image, shape, { segments: o.segments, compactness: o.compactness, sigma: o.sigma, maxIter: o.maxIter, lab: values.lab !== 0, layout });
    return Object.assign(fn, { spec: `slic:n=${o.segments},compactness=${o.compactness},sigma=${o.sigma},iter=${o.maxIter}` });
  }
  const o = { ...FELZENSZWALB_DEFAULTS, ...values };
  const fn = (image: ArrayLike<number>, shape: readonly number[], layout?: ImageLayout) =>
    felzenszwalb(image, shape, { scale: o.scale, sigma: o.sigma, minSize: o.minSize, layout });
  return Object.assign(fn, { spec: `felzenszwalb:scale=${o.scale},sigma=${o.sigma},min=${o.minSize}` });
}

/**
 * Segment one example of a model's input: back to pixels through the input space (so
 * normalised inputs segment like the photograph), in the model's layout. For perturbation
 * methods taking `--segments slic:n=50`: `segmentInput('slic:n=50', inputSpace(model, pre), x)`.
 */
export function segmentInput(spec: string | Segmenter, space: InputSpace, example: Float32Array): FeatureMask {
  if (space.layout === 'flat') throw new Error('superpixels need an image layout (NCHW or NHWC): pass preprocessing.layout');
  if (example.length !== space.size) throw new Error(`segmentInput takes one example of ${space.size} values, got ${example.length}`);
  const segment = typeof spec === 'string' ? parseSegmentation(spec) : spec;
  return segment(space.toPixels(example), space.shape, space.layout);
}

export { felzenszwalb, FELZENSZWALB_DEFAULTS, type FelzenszwalbOptions } from './felzenszwalb.js';
export { slic, SLIC_DEFAULTS, type SlicOptions } from './slic.js';
export { rgb2lab, regularGrid } from './slicParts.js';
export { toHWC, type ImageLayout } from './numeric.js';
export { xraiSegments, dilate, XRAI_SEGMENTATION, type Region, type XraiSegmentOptions } from './xraiSegments.js';
export { adjustedRandIndex, sameLabelling } from './compare.js';
