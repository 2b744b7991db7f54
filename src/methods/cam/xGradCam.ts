/**
 * XGrad-CAM (Fu et al. 2020): w_c = sum_ij (A_cij / (sum_ij A_cij + 1e-7)) g_cij, the
 * activation-weighted gradient (pytorch-grad-cam's epsilon).
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';

export function xGradCamWeights(lv: LayerValues): Float32Array {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const out = new Float32Array(lv.n * C);
  for (let k = 0; k < lv.n * C; k++) {
    let sumA = 0;
    let s = 0;
    for (let p = k * hw; p < (k + 1) * hw; p++) {
      sumA += lv.acts[p];
      s += lv.acts[p] * lv.grads![p];
    }
    out[k] = s / (sumA + 1e-7);
  }
  return out;
}

export function xGradCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, { method: 'xGradCam', gradients: true, weights: xGradCamWeights });
}

export const descriptor = defineMethod({
  name: 'xgradcam',
  aliases: ['xgrad-cam'],
  title: 'XGrad-CAM',
  family: 'cam',
  summary: 'Channel weights = activation-normalised sum of gradient x activation (Fu et al. 2020)',
  needs: { gradients: true, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => xGradCam(model, input, camOptionsFrom(o, ctx)),
  order: 30,
});
