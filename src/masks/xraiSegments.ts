/**
 * XRAI's candidate regions (Kapishnikov et al. 2019), as PAIR saliency's
 * `_get_segments_felzenszwalb(image, resize_image=False)` builds them: the image rescaled
 * to [-1, 1] by its own min and max, Felzenszwalb segmentations at scales 50, 100, 150,
 * 250, 500 and 1200 (sigma 0.8, min size 150), every segment of every scale as one mask
 * (in scale order, then label order), each dilated by a disk of radius 5. The masks
 * overlap; XRAI ranks and merges them (methods/regions/xraiRanking.ts).
 *
 * PAIR by default first resizes the image to 224x224 (skimage's bicubic resize with
 * anti-aliasing) and the label maps back (nearest); we segment at the image's own
 * resolution, which is what PAIR computes for 224x224 inputs up to the resize's rounding.
 */
import { felzenszwalb } from './felzenszwalb.js';
import { toHWC, type ImageLayout } from './numeric.js';

export const XRAI_SEGMENTATION = {
  scales: [50, 100, 150, 250, 500, 1200],
  sigma: 0.8,
  minSize: 150,
  dilation: 5,
} as const;

export interface XraiSegmentOptions {
  scales?: readonly number[];
  sigma?: number;
  minSize?: number;
  /** Disk radius of the dilation (0: none). Default 5. */
  dilation?: number;
  layout?: ImageLayout;
}

/** A set of positions, sorted (row-major indices over [h, w]). */
export type Region = Int32Array;

/** skimage.morphology.disk(r) offsets: (dy, dx) with dy^2 + dx^2 <= r^2. */
function disk(r: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dy * dy + dx * dx <= r * r) out.push([dy, dx]);
  return out;
}

/** Binary dilation of a region by a disk (positions outside the image ignored, as skimage's). */
export function dilate(region: Region, h: number, w: number, radius: number): Region {
  if (radius <= 0) return region;
  const on = new Uint8Array(h * w);
  const offsets = disk(radius);
  for (const p of region) {
    const y = Math.floor(p / w);
    const x = p % w;
    for (const [dy, dx] of offsets) {
      const yy = y + dy;
      const xx = x + dx;
      if (yy >= 0 && yy < h && xx >= 0 && xx < w) on[yy * w + xx] = 1;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < on.length; i++) if (on[i]) out.push(i);
  return Int32Array.from(out);
}

export function xraiSegments(image: ArrayLike<number>, shape: readonly number[], options: XraiSegmentOptions = {}): Region[] {
  const { scales = XRAI_SEGMENTATION.scales, sigma = XRAI_SEGMENTATION.sigma, minSize = XRAI_SEGMENTATION.minSize } = options;
  const radius = options.dilation ?? XRAI_SEGMENTATION.dilation;
  const { data, h, w, c } = toHWC(image, shape, options.layout);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  // a constant image (PAIR would divide by zero) is one flat segment per scale
  const norm = data.map((v) => (hi > lo ? ((v - lo) / (hi - lo)) * 2 + -1 : 0));
  const regions: Region[] = [];
  for (const scale of scales) {
    const mask = felzenszwalb(norm, [h, w, c], { scale, sigma, minSize, layout: 'NHWC' });
    const members: number[][] = Array.from({ length: mask.count }, () => []);
    mask.labels.forEach((l, i) => members[l].push(i));
    for (const m of members) regions.push(dilate(Int32Array.from(m), h, w, radius));
  }
  return regions;
}
