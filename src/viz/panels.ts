/**
 * The standard pictures of one attribution, as `explain` writes them and the report and
 * explorer show them: the magnitude heat map, the signed map, the overlay on the input,
 * and the masked view. One call, so every front end draws the same thing.
 */
import { heatmap, type Heatmap, type HeatmapOptions } from './heatmap.js';
import { toGrey } from './input.js';
import { maskedView } from './mask.js';
import { overlay } from './overlay.js';
import type { RgbaImage } from './rgba.js';
import { formatNumber } from './svg.js';

export interface PanelOptions extends Omit<HeatmapOptions, 'signed' | 'size'> {
  /** Diverging scale for the signed panel; default 'PiYG'. */
  signedScale?: string;
  /** Overlay opacity at the strongest attribution (weaker ones let the image through). Default 0.8. */
  opacity?: number;
  /** Overlay on a grey copy of the input (colour photos), default true. */
  greyBase?: boolean;
  /** Masked view keeps this percentage of pixels; default 20. */
  maskPercent?: number;
}

export interface Panels {
  heatmap: Heatmap;
  signed: Heatmap;
  /** Present when the input picture was given. */
  overlay?: RgbaImage;
  masked?: RgbaImage;
}

/**
 * One example's attribution (same shape as the input, or a CAM's [h, w]) -> panels. Maps
 * of another size than `picture` (CAMs) are resized to it (bilinear).
 */
export function panels(values: ArrayLike<number>, shape: readonly number[], picture?: RgbaImage, options: PanelOptions = {}): Panels {
  const size = picture ? { width: picture.width, height: picture.height } : undefined;
  const { signedScale, opacity = 0.8, greyBase = true, maskPercent = 20, scale, ...common } = options;
  const magnitude = heatmap(values, shape, { ...common, scale, size });
  const signed = heatmap(values, shape, { ...common, scale: signedScale, signed: true, size });
  if (!picture) return { heatmap: magnitude, signed };
  return {
    heatmap: magnitude,
    signed,
    overlay: overlay(greyBase ? toGrey(picture) : picture, magnitude.image, { opacity, weight: magnitude.map.data }),
    masked: maskedView(picture, magnitude.map, maskPercent),
  };
}

/** Caption lines for a grid cell: the prediction and the completeness delta, when known. */
export function caption(info: { label?: string; probability?: number; delta?: number; extra?: readonly string[] }): string[] {
  const lines: string[] = [];
  if (info.label !== undefined) lines.push(info.probability === undefined ? info.label : `${info.label} ${(100 * info.probability).toFixed(1)}%`);
  if (info.delta !== undefined && Number.isFinite(info.delta)) lines.push(`delta ${formatNumber(info.delta)}`);
  lines.push(...(info.extra ?? []));
  return lines;
}
