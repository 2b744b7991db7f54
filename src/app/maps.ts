/**
 * What an attribution's values are, for the outputs that draw or score them: shaped like
 * the input ([n, ...inputShape], gradients, IG, LRP ...), one spatial map per input
 * ([n, H, W], the CAMs, FullGrad, XRAI), or a layer's shape ([n, ...tap shape], layer IG,
 * layer gradient x activation). Maps smaller than the input are at a layer's resolution
 * (a CAM with upsample 'none'); pictures of them are stretched to the input, and the
 * records say so. A layer attribution at a non-spatial layer (a dense layer) has no
 * picture; at a spatial layer its channel sum (`layerMap`) is drawn.
 */
import { sizeOfShape } from '../engine/model.js';
import type { Attribution } from '../methods/attribution.js';
import { exampleOf } from '../viz/index.js';

export type MapResolution = 'input' | 'layer';

export interface MapKind {
  /** 'input': values shaped like the input; 'spatial': [n, H, W]; 'layer': a layer's shape. */
  kind: 'input' | 'spatial' | 'layer';
  /** Whether pictures and pixel metrics are at the input's resolution. */
  resolution: MapResolution;
  /** One example's values' shape. */
  shape: number[];
  /** The layer (tap) the values belong to, for layer attributions. */
  layer?: string;
  /** The map drawn: [h, w] (undefined: nothing sensible to draw). */
  picture?: { height: number; width: number };
  /** A sentence for the record and the report. */
  note?: string;
}

type LayerExtras = Attribution & { layer?: string; layerMap?: Float32Array; layerShape?: number[] };

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** The input's spatial size [H, W] from its shape ([C, H, W], [H, W, C] or [H, W]). */
export function inputSpatial(inputShape: readonly number[]): [number, number] | undefined {
  if (inputShape.length === 2) return [inputShape[0], inputShape[1]];
  if (inputShape.length !== 3) return undefined;
  // channels are the short axis (1, 3 or 4)
  return inputShape[0] <= 4 && inputShape[2] > 4 ? [inputShape[1], inputShape[2]] : [inputShape[0], inputShape[1]];
}

/** What the attribution's values are (n inputs of `inputShape`). */
export function mapKindOf(a: Attribution, n: number, inputShape: readonly number[]): MapKind {
  const x = a as LayerExtras;
  const shape = a.shape.length > 0 && a.shape[0] === n ? a.shape.slice(1) : [...inputShape];
  if (same(shape, inputShape) && a.values.length === n * sizeOfShape(inputShape)) return { kind: 'input', resolution: 'input', shape };
  const hw = inputSpatial(inputShape);
  if (shape.length === 2) {
    const atInput = hw !== undefined && shape[0] === hw[0] && shape[1] === hw[1];
    return {
      kind: 'spatial',
      resolution: atInput ? 'input' : 'layer',
      shape,
      layer: x.layer,
      picture: { height: shape[0], width: shape[1] },
      note: atInput ? undefined : `a ${shape[0]}×${shape[1]} map at ${x.layer ? `layer '${x.layer}'` : "a layer's"} resolution (pictures stretched to the input)`,
    };
  }
  const where = x.layer ? `layer '${x.layer}'` : 'a layer';
  if (x.layerMap && x.layerShape) {
    const [h, w] = x.layerShape.slice(1);
    return { kind: 'layer', resolution: 'layer', shape, layer: x.layer, picture: { height: h, width: w }, note: `values at ${where} [${shape.join(', ')}]; pictures: their channel sum, ${h}×${w}, stretched to the input` };
  }
  return { kind: 'layer', resolution: 'layer', shape, layer: x.layer, note: `values at ${where} [${shape.join(', ')}]: not an image, no pictures (the .npy holds them)` };
}

/** Example e's map to draw, with its shape for viz/panels (undefined: no picture). */
export function pictureOf(a: Attribution, kind: MapKind, n: number, inputShape: readonly number[], pictureShape: readonly number[], e: number): { values: Float32Array; shape: number[] } | undefined {
  if (kind.kind === 'input') return { values: exampleOf(a.values, [n, ...inputShape], e), shape: [...pictureShape] };
  if (!kind.picture) return undefined;
  const { height: h, width: w } = kind.picture;
  const source = kind.kind === 'layer' ? (a as LayerExtras).layerMap! : a.values;
  return { values: source.subarray(e * h * w, (e + 1) * h * w), shape: [h, w] };
}

/** The values of example e in their own shape (for its .npy). */
export function exampleValues(a: Attribution, n: number, e: number): Float32Array {
  const per = a.values.length / n;
  return a.values.subarray(e * per, (e + 1) * per);
}
