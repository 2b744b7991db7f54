/**
 * Grad-CAM++ (Chattopadhyay et al. 2018), pytorch-grad-cam's closed form (the paper's
 * eq. 19 with exponential output, so higher derivatives are powers of the gradient):
 *   a_cij = g^2 / (2 g^2 + sum_ij(A_c) g^3 + 1e-6), 0 where g = 0;  w_c = sum_ij a_cij relu(g_cij).
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';

export function gradCamPlusPlusWeights(lv: LayerValues): Float32Array {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const out = new Float32Array(lv.n * C);
  const A = lv.acts;
  const G = lv.grads!;
  for (let k = 0; k < lv.n * C; k++) {
    let sumA = 0;
    for (let p = k * hw; p < (k + 1) * hw; p++) sumA += A[p];
    let s = 0;
    for (let p = k * hw; p < (k + 1) * hw; p++) {
      const g = G[p];
      if (g <= 0) continue; // relu(g) = 0, and a = 0 where g = 0
      const g2 = g * g;
      s += (g2 / (2 * g2 + sumA * g2 * g + 1e-6)) * g;
    }
    out[k] = s;
  }
  return out;
}

export function gradCamPlusPlus(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, { method: 'gradCamPlusPlus', gradients: true, weights: gradCamPlusPlusWeights });
}

export const descriptor = defineMethod({
  name: 'gradcampp',
  aliases: ['gradcamplusplus', 'grad-cam++'],
  title: 'Grad-CAM++',
  family: 'cam',
  summary: 'Grad-CAM with pixel-wise weighting of positive gradients (Chattopadhyay et al. 2018)',
  needs: { gradients: true, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => gradCamPlusPlus(model, input, camOptionsFrom(o, ctx)),
  order: 20,
});
