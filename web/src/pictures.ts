/**
 * The worker's drawing: maps, the input and the path figure become RGBA pictures here
 * (src/viz), and travel to the page as transferred buffers, so the page's main thread
 * only puts pixels on canvases (a 224 x 224 map's percentiles and colours, or the path
 * figure's 63 pictures, take longer than a frame).
 */
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import { inputSpace } from '../../src/engine/space.js';
import { heatmap } from '../../src/viz/heatmap.js';
import { inputImage } from '../../src/viz/input.js';
import { overlay } from '../../src/viz/overlay.js';
import type { RgbaImage } from '../../src/viz/rgba.js';
import type { MapPictures } from './protocol.js';

/** The model-space input as a picture (normalisation undone). */
export function inputPicture(input: Float32Array, shape: readonly number[], prep: ResolvedPreprocessing): RgbaImage {
  const pixels = inputSpace(shape, prep).toPixels(input);
  return inputImage(pixels, shape, { range: prep.pixelRange, layout: prep.layout });
}

/** The signed map, and for the main view the heat map and the overlay on the input. */
export function mapPictures(values: Float32Array, shape: readonly number[], picture: RgbaImage, draw: 'all' | 'signed'): MapPictures {
  const signed = heatmap(values, shape, { signed: true }).image;
  if (draw === 'signed') return { signed };
  const heat = heatmap(values, shape).image;
  const fits = heat.width === picture.width && heat.height === picture.height;
  return { signed, heat, overlay: fits ? overlay(picture, heat, { opacity: 0.6 }) : undefined };
}

/** The buffers of typed arrays and pictures, to transfer (each once; views of a larger buffer are copied first). */
export function transferables(items: Array<ArrayBufferView | RgbaImage | undefined>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const it of items) {
    if (!it) continue;
    const view = 'data' in it && 'width' in it ? it.data : (it as ArrayBufferView);
    if (view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) out.add(view.buffer);
  }
  return [...out];
}
