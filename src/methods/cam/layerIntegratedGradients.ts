/**
 * Layer Integrated Gradients (Captum's LayerIntegratedGradients): IG in the space of a
 * layer's activations, phi = (a - a') * integral_0^1 dY/dA at A = a' + alpha (a - a') dalpha,
 * with a = A(x), a' = A(x'). As Captum, the network runs on the input x with the layer's
 * output replaced by the interpolated activations (the engine's tap overrides), so paths
 * that bypass the layer see x; Captum's quadrature and float32 interpolation. The
 * completeness delta sum(phi) - (f(x) - f(x')) is returned (exact up to quadrature when
 * nothing bypasses the layer).
 */
import type { Model } from '../../engine/model.js';
import { countExamples, sizeOfShape } from '../../engine/model.js';
import { drawBaselines, describeBaseline, type Baseline } from '../../baselines/baseline.js';
import { constantBaseline } from '../../baselines/constant.js';
import { rngFor } from '../../random.js';
import type { Preprocessing } from '../../engine/space.js';
import { defineMethod } from '../descriptor.js';
import { quadrature, QUADRATURES, type QuadratureName } from '../quadrature.js';
import { Runner, remapTarget } from '../runner.js';
import { CAM_OPTIONS } from './pipeline.js';
import { layerResult, resolveLayerTap, type LayerAttribution } from './layerAttribution.js';
import type { LayerOptions } from './layerGradientXActivation.js';

export interface LayerIntegratedGradientsOptions extends LayerOptions {
  /** Input baseline x' (default black in pixel space, zeros when unknown, as integratedGradients). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  steps?: number;
  method?: QuadratureName;
  seed?: number;
}

export async function layerIntegratedGradients(model: Model, input: Float32Array, options: LayerIntegratedGradientsOptions = {}): Promise<LayerAttribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const tap = resolveLayerTap(model, options.layer ?? CAM_OPTIONS.layer.default);
  const steps = options.steps ?? descriptor.options.steps.default;
  const method = (options.method ?? descriptor.options.method.default) as QuadratureName;
  const seed = options.seed ?? 0;
  const baselineSpec = options.baseline ?? constantBaseline(model, 'black', options.preprocessing);
  const per = runner.per;
  const baselines = drawBaselines(baselineSpec, input, per, (e) => rngFor(seed, e));
  // a and a' (and f(x), f(x') for the delta)
  const both = new Float32Array(2 * n * per);
  both.set(input);
  both.set(baselines, n * per);
  const ends = await model.run(both, { outputs: [tap, 'logits'] });
  runner.timings.modelCalls++;
  runner.timings.forwardExamples += 2 * n;
  const tapPer = sizeOfShape(model.shapeOf(tap));
  const diff = new Float32Array(n * tapPer);
  const base = ends[tap].subarray(n * tapPer);
  for (let j = 0; j < diff.length; j++) diff[j] = ends[tap][j] - base[j];
  const { alphas, weights } = quadrature(method, steps);
  const acc = new Float64Array(n * tapPer);
  const total = n * steps;
  const cap = Math.min(runner.batch, total);
  const xs = new Float32Array(cap * per);
  const as = new Float32Array(cap * tapPer);
  for (let start = 0; start < total; start += runner.batch) {
    const m = Math.min(runner.batch, total - start);
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / steps);
      const a = Math.fround(alphas[(start + i) % steps]);
      xs.set(input.subarray(e * per, (e + 1) * per), i * per);
      for (let j = 0; j < tapPer; j++) as[i * tapPer + j] = base[e * tapPer + j] + Math.fround(a * diff[e * tapPer + j]);
    }
    const t0 = performance.now();
    const r = await model.run(xs.subarray(0, m * per), {
      overrides: { [tap]: as.subarray(0, m * tapPer) },
      gradients: { seed: remapTarget(target, (i) => Math.floor((start + i) / steps)), wrt: [tap] },
    });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    runner.timings.backwardExamples += m;
    const g = r[`grad:${tap}`];
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / steps);
      const w = Math.fround(weights[(start + i) % steps]);
      for (let j = 0; j < tapPer; j++) acc[e * tapPer + j] += w * g[i * tapPer + j];
    }
  }
  const values = new Float32Array(n * tapPer);
  for (let j = 0; j < values.length; j++) values[j] = Math.fround(acc[j]) * diff[j];
  const out = runner.outSize;
  const delta = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    let s = 0;
    for (let j = e * tapPer; j < (e + 1) * tapPer; j++) s += values[j];
    const fx = target.value(ends['logits'].subarray(e * out, (e + 1) * out), e);
    const fb = target.value(ends['logits'].subarray((n + e) * out, (n + e + 1) * out), e);
    delta[e] = s - (fx - fb);
  }
  return {
    ...layerResult(model, tap, values, n),
    method: 'layerIntegratedGradients',
    params: { layer: tap, baseline: describeBaseline(baselineSpec), steps, method, seed, batchSize: runner.batch },
    target: target.label,
    delta,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'layerig',
  aliases: ['layerintegratedgradients', 'layer-ig'],
  title: 'Layer Integrated Gradients',
  family: 'cam',
  summary: "Integrated Gradients in a layer's activation space (Captum's LayerIntegratedGradients)",
  needs: { gradients: true, layer: true, baseline: true },
  options: {
    layer: { ...CAM_OPTIONS.layer, description: "layer: 'auto', -k among spatial layers, or any tap name" },
    steps: { kind: 'integer', default: 50, min: 1, description: 'quadrature points' },
    method: { kind: 'choice', choices: [...QUADRATURES], default: 'gausslegendre', description: 'quadrature rule' },
  },
  random: false,
  cost: (n, o) => n * (o.steps + 2),
  run: (model, input, o, ctx) =>
    layerIntegratedGradients(model, input, { layer: o.layer, steps: o.steps, method: o.method as QuadratureName, baseline: ctx.baseline, preprocessing: ctx.preprocessing, seed: ctx.seed, target: ctx.target, batchSize: ctx.batchSize }),
  order: 120,
});
