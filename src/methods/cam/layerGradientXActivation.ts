/**
 * Layer gradient x activation (Captum's LayerGradientXActivation): A * dY/dA at a layer,
 * one value per unit of the layer, e.g. to rank channels or to attribute at a text model's
 * embedding output. One forward + backward per input.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import type { CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner, remapTarget } from '../runner.js';
import { CAM_OPTIONS } from './pipeline.js';
import { layerResult, resolveLayerTap, type LayerAttribution } from './layerAttribution.js';

export interface LayerOptions extends CommonOptions {
  /** 'auto' (default), -k among spatial layers, or any tap (tensor or node name). */
  layer?: string | number;
}

export async function layerGradientXActivation(model: Model, input: Float32Array, options: LayerOptions = {}): Promise<LayerAttribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const tap = resolveLayerTap(model, options.layer ?? CAM_OPTIONS.layer.default);
  let values: Float32Array | undefined;
  for (let start = 0; start < n; start += runner.batch) {
    const m = Math.min(runner.batch, n - start);
    const t0 = performance.now();
    const r = await model.run(input.subarray(start * runner.per, (start + m) * runner.per), {
      outputs: [tap],
      gradients: { seed: remapTarget(target, (i) => start + i), wrt: [tap] },
    });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    runner.timings.backwardExamples += m;
    const a = r[tap];
    const g = r[`grad:${tap}`];
    values ??= new Float32Array((n * a.length) / m);
    const off = (start * a.length) / m;
    for (let j = 0; j < a.length; j++) values[off + j] = a[j] * g[j];
  }
  return {
    ...layerResult(model, tap, values!, n),
    method: 'layerGradientXActivation',
    params: { layer: tap, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'layergradientxactivation',
  aliases: ['layergxa', 'layer-gradient-x-activation'],
  title: 'Layer gradient x activation',
  family: 'cam',
  summary: "Activation times gradient at a layer, one value per unit (Captum's LayerGradientXActivation)",
  needs: { gradients: true, layer: true },
  options: { layer: { ...CAM_OPTIONS.layer, description: "layer: 'auto', -k among spatial layers, or any tap name" } },
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => layerGradientXActivation(model, input, { layer: o.layer, target: ctx.target, batchSize: ctx.batchSize }),
  order: 110,
});
