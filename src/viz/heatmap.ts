/**
 * Attribution -> picture, the baselines article's pipeline: combine channels (sum), take
 * the magnitude (or keep the sign), cap at the 99th percentile, normalise, colour.
 */
import { colourise, type ColouriseOptions } from './colormap.js';
import { imageDims, reduceChannels, type ChannelReduction, type Layout, type Map2d } from './layout.js';
import { capMagnitude, capSigned, scaleMagnitude, scaleSigned } from './normalize.js';
import { resizeMap } from './resample.js';
import type { RgbaImage } from './rgba.js';

export interface HeatmapOptions extends ColouriseOptions {
  /** Per-example layout; default inferred from the shape (see layout.ts). */
  layout?: Layout;
  /** How channels combine; default 'sum' (then |.| for magnitude maps). */
  reduce?: ChannelReduction;
  /** Percentile the magnitudes are capped at; default 99. 100 = no cap (divide by the maximum). */
  percentile?: number;
  /** Divide by this instead of the percentile (one scale shared by several maps). */
  cap?: number;
  /** Draw at this size (bilinear), e.g. a CAM at the input's size. Default: the map's own size. */
  size?: { width: number; height: number };
}

export interface Heatmap {
  image: RgbaImage;
  /** The scaled map that was coloured: [0, 1] (magnitude) or [-1, 1] (signed). */
  map: Map2d;
  /** What the values were divided by (in attribution units): for legends. */
  cap: number;
  signed: boolean;
}

/** A 2-d map (one value per pixel) -> heat map. */
export function heatmapOf(map: Map2d, options: HeatmapOptions = {}): Heatmap {
  const sized = options.size ? resizeMap(map, options.size.width, options.size.height) : map;
  const q = options.percentile ?? 99;
  const signed = options.signed ?? false;
  const { values, cap } =
    options.cap !== undefined
      ? signed ? capSigned(sized.data, options.cap) : capMagnitude(sized.data, options.cap)
      : signed ? scaleSigned(sized.data, q) : scaleMagnitude(sized.data, q);
  const image = colourise(values, sized.width, sized.height, options);
  return { image, map: { width: sized.width, height: sized.height, data: values }, cap, signed };
}

/**
 * One example's attribution (same shape as the input: [C, H, W], [H, W, C] or [H, W];
 * or a CAM's [h, w]) -> heat map.
 */
export function heatmap(values: ArrayLike<number>, shape: readonly number[], options: HeatmapOptions = {}): Heatmap {
  const dims = imageDims(shape, options.layout);
  return heatmapOf(reduceChannels(values, dims, options.reduce ?? 'sum'), options);
}
