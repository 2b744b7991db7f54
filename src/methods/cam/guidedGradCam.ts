/**
 * Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation (the 'guided' rule set)
 * multiplied, element by element and in every channel, by the Grad-CAM map upsampled to
 * the input. As Captum's GuidedGradCam: the Grad-CAM map with its ReLU, upsampled by
 * nearest neighbour (the `upsample` option), not normalised. Unlike Captum, the guided
 * rule covers every ReLU-like op (ReLU6 too), so MobileNet-style models get the paper's map.
 */
import type { Model } from '../../engine/model.js';
import { inputSpace } from '../../engine/space.js';
import type { Attribution } from '../attribution.js';
import { addTimings } from '../runner.js';
import { defineMethod } from '../descriptor.js';
import { guidedBackprop } from '../propagation/guidedBackprop.js';
import { CAM_DEFAULTS, type CamOptions } from './pipeline.js';
import { gradCam } from './gradCam.js';

export const GUIDED_GRAD_CAM_OPTIONS = {
  layer: { kind: 'string', default: CAM_DEFAULTS.layer, description: "layer of the Grad-CAM map: 'auto', -k, or a tensor/node name" },
  upsample: { kind: 'choice', choices: ['nearest', 'bilinear'], default: 'nearest', description: "Grad-CAM map to the input's size (Captum: nearest)" },
} as const;

export async function guidedGradCam(model: Model, input: Float32Array, options: Omit<CamOptions, 'relu' | 'normalize'> = {}): Promise<Attribution> {
  const t0 = performance.now();
  const cam = await gradCam(model, input, { ...options, relu: true, normalize: 'none', upsample: options.upsample ?? 'nearest' });
  const guided = await guidedBackprop(model, input, { target: options.target, batchSize: options.batchSize });
  const space = inputSpace(model);
  if (space.layout === 'flat') throw new Error('Guided Grad-CAM needs an image input (channels and two spatial axes)');
  const n = cam.shape[0];
  const hw = cam.values.length / n;
  const c = space.channels;
  const values = new Float32Array(guided.values.length);
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < hw; p++) {
      const w = cam.values[e * hw + p];
      for (let ch = 0; ch < c; ch++) {
        const i = e * hw * c + (space.layout === 'NCHW' ? ch * hw + p : p * c + ch);
        values[i] = guided.values[i] * w;
      }
    }
  }
  const timings = { ...cam.timings };
  addTimings(timings, guided.timings);
  timings.totalMs = performance.now() - t0;
  return {
    values,
    shape: guided.shape,
    method: 'guidedGradCam',
    params: { layer: cam.layer, upsample: options.upsample ?? 'nearest', batchSize: guided.params.batchSize },
    target: cam.target,
    timings,
  };
}

export const descriptor = defineMethod({
  name: 'guidedgradcam',
  aliases: ['guided-grad-cam', 'guidedgcam'],
  title: 'Guided Grad-CAM',
  family: 'cam',
  summary: 'Guided backpropagation times the upsampled Grad-CAM map (Selvaraju et al. 2017)',
  needs: { gradients: true, layer: true, rule: true },
  options: GUIDED_GRAD_CAM_OPTIONS,
  random: false,
  cost: (n) => 2 * n,
  run: (model, input, o, ctx) => guidedGradCam(model, input, { layer: o.layer, upsample: o.upsample as 'nearest' | 'bilinear', target: ctx.target, batchSize: ctx.batchSize }),
  order: 90,
});
