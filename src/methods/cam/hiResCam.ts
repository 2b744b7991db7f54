/**
 * HiResCAM (Draelos & Carin 2020): the map is sum_c g_c * A_c elementwise (no spatial
 * averaging of the gradient), so it stays faithful to the model's computation. It equals
 * Grad-CAM when the gradient is constant over space (a GAP + linear head).
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';

/** sum_c f(g) * A per position, f applied to the gradient (identity, or ReLU for LayerCAM). */
export function elementwiseMap(lv: LayerValues, f: (g: number) => number = (g) => g): Float32Array {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const out = new Float32Array(lv.n * hw);
  for (let e = 0; e < lv.n; e++) {
    const acc = new Float64Array(hw);
    for (let c = 0; c < C; c++) {
      const o = (e * C + c) * hw;
      for (let p = 0; p < hw; p++) acc[p] += f(lv.grads![o + p]) * lv.acts[o + p];
    }
    out.set(acc, e * hw);
  }
  return out;
}

export function hiResCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, { method: 'hiResCam', gradients: true, map: (lv) => elementwiseMap(lv) });
}

export const descriptor = defineMethod({
  name: 'hirescam',
  aliases: ['hires-cam'],
  title: 'HiResCAM',
  family: 'cam',
  summary: 'Sum over channels of gradient x activation at the layer (Draelos & Carin 2020)',
  needs: { gradients: true, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => hiResCam(model, input, camOptionsFrom(o, ctx)),
  order: 40,
});
