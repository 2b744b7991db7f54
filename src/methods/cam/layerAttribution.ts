/**
 * What the layer attributions (Captum's LayerGradientXActivation, LayerIntegratedGradients)
 * share: the layer (any tap; 'auto' and -k pick spatial layers as the CAMs do) and the
 * result, whose values have the layer's shape [n, ...tap shape] (the model's own layout),
 * with the channel sum at spatial layers as `layerMap` [n, h, w].
 */
import type { Model } from '../../engine/model.js';
import { sizeOfShape } from '../../engine/model.js';
import type { Attribution } from '../attribution.js';
import { camLayers, modelInfo, resolveCamLayer, toChannelFirst } from './layers.js';

export interface LayerAttribution extends Attribution {
  layer: string;
  /** Channel sum at spatial layers: [n, h, w]. */
  layerMap?: Float32Array;
  layerShape?: number[];
}

/** The tap a layer method reads: 'auto' / -k among spatial layers, else any tap name. */
export function resolveLayerTap(model: Model, spec: string | number = 'auto'): string {
  const text = String(spec).trim();
  if (text === 'auto' || /^-\d+$/.test(text)) return resolveCamLayer(model, text).name;
  const tap = modelInfo(model).taps.find((t) => t.name === text || t.node === text);
  if (!tap) return resolveCamLayer(model, text).name; // throws, naming the candidates
  return tap.name;
}

/** Values [n, ...tap shape] plus the channel sum at spatial layers. */
export function layerResult(model: Model, tap: string, values: Float32Array, n: number): Pick<LayerAttribution, 'values' | 'shape' | 'layer' | 'layerMap' | 'layerShape'> {
  const shape = [...model.shapeOf(tap)];
  const result: Pick<LayerAttribution, 'values' | 'shape' | 'layer' | 'layerMap' | 'layerShape'> = { values, shape: [n, ...shape], layer: tap };
  const layer = camLayers(model).find((l) => l.name === tap);
  if (layer) {
    const { channels: C, height: h, width: w } = layer;
    const per = sizeOfShape(shape);
    const cf = new Float32Array(C * h * w);
    const map = new Float32Array(n * h * w);
    for (let e = 0; e < n; e++) {
      toChannelFirst(values.subarray(e * per, (e + 1) * per), layer, cf);
      for (let c = 0; c < C; c++) for (let p = 0; p < h * w; p++) map[e * h * w + p] += cf[c * h * w + p];
    }
    result.layerMap = map;
    result.layerShape = [n, h, w];
  }
  return result;
}
