/**
 * CAM (Zhou et al. 2016): for a network ending in conv -> global average pooling ->
 * linear, the class's weights of the linear layer weight the last feature maps:
 * M = sum_c W[k, c] A_c. The head is found in the graph (engine/head.ts); a model of
 * another shape gets an error naming what is missing. For a target that is a linear
 * function of the logits (a class logit), the weights are its cotangent times W.
 * Grad-CAM on such a head equals CAM / hw.
 */
import type { Model } from '../../engine/model.js';
import { HeadShapeError, type LinearHead } from '../../engine/head.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions } from './pipeline.js';

function headOf(model: Model, layer: string): LinearHead {
  const withHead = model as Model & { linearHead?: (layer: string) => LinearHead };
  if (typeof withHead.linearHead !== 'function') {
    throw new HeadShapeError(`CAM reads the linear head from the model graph, which this ${model.inspect().format} model does not expose; use gradcam (equal to CAM up to 1/hw on a GAP + linear head)`);
  }
  return withHead.linearHead(layer);
}

export function cam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, {
    method: 'cam',
    gradients: false,
    weights: (lv, { runner }) => {
      const head = headOf(model, lv.layer.name);
      const C = lv.layer.channels;
      if (head.channels !== C) throw new HeadShapeError(`the head takes ${head.channels} features but layer '${lv.layer.name}' has ${C} channels`);
      const target = runner.target;
      if (target.dependsOnOutput) throw new Error(`CAM weights a class score linearly; target '${target.label}' depends on the output (a probability): explain a logit`);
      const out = new Float32Array(lv.n * C);
      for (let e = 0; e < lv.n; e++) {
        const cot = target.cotangent(undefined, e);
        for (let k = 0; k < head.classes; k++) {
          if (cot[k] === 0) continue;
          for (let c = 0; c < C; c++) out[e * C + c] += cot[k] * head.weights[k * C + c];
        }
      }
      return out;
    },
  });
}

export const descriptor = defineMethod({
  name: 'cam',
  aliases: ['classactivationmap'],
  title: 'CAM',
  family: 'cam',
  summary: "Feature maps weighted by the linear head's class weights, for GAP + linear heads (Zhou et al. 2016)",
  needs: { gradients: false, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => cam(model, input, camOptionsFrom(o, ctx)),
  order: 5,
});
