/**
 * Grad-CAM (Selvaraju et al. 2017): channel weights = the spatial mean of the target's
 * gradient at the layer, w_c = mean_ij dY/dA_cij; map = sum_c w_c A_c. Captum's
 * LayerGradCam and pytorch-grad-cam's GradCAM agree on this raw map; the paper's ReLU
 * is the `relu` option (Captum: relu_attributions, default off; pytorch-grad-cam: always on).
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';

/** Spatial mean of the gradient per channel: [n, C]. */
export function meanGradientWeights(lv: LayerValues): Float32Array {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const out = new Float32Array(lv.n * C);
  for (let k = 0; k < lv.n * C; k++) {
    let s = 0;
    for (let p = k * hw; p < (k + 1) * hw; p++) s += lv.grads![p];
    out[k] = s / hw;
  }
  return out;
}

export function gradCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, { method: 'gradCam', gradients: true, weights: meanGradientWeights });
}

export const descriptor = defineMethod({
  name: 'gradcam',
  aliases: ['grad-cam', 'layergradcam'],
  title: 'Grad-CAM',
  family: 'cam',
  summary: 'Layer activations weighted by the spatial mean of their gradients (Selvaraju et al. 2017)',
  needs: { gradients: true, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => gradCam(model, input, camOptionsFrom(o, ctx)),
  order: 10,
});
