/**
 * LayerCAM (Jiang et al. 2021): the map is sum_c relu(g_c) * A_c elementwise (positive
 * gradients weight each position). The paper's final ReLU is the `relu` option.
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions } from './pipeline.js';
import { elementwiseMap } from './hiResCam.js';

export function layerCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, { method: 'layerCam', gradients: true, map: (lv) => elementwiseMap(lv, (g) => (g > 0 ? g : 0)) });
}

export const descriptor = defineMethod({
  name: 'layercam',
  aliases: ['layer-cam'],
  title: 'LayerCAM',
  family: 'cam',
  summary: 'Activations weighted by their positive gradients, position by position (Jiang et al. 2021)',
  needs: { gradients: true, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => layerCam(model, input, camOptionsFrom(o, ctx)),
  order: 50,
});
