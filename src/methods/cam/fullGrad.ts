/**
 * FullGrad (Srinivas & Fleuret 2019). For a ReLU network with biases the output splits
 * exactly (completeness): f(x) = sum(x * df/dx) + sum over every bias b of
 * sum(b * df/d(layer output)) (Conv, Gemm and BatchNormalization's implicit bias
 * beta - gamma mean / sqrt(var + eps); the engine's `bias:<node>` gradients). The map
 * post-processes each spatial term as the paper: absolute value, min-max scaling,
 * upsampling to the input, sum over channels and layers. As pytorch-grad-cam, the
 * scaling is per channel by default (scope 'channel'); the paper's code scales each
 * layer's tensor as a whole (scope 'layer'). Non-spatial biases (a linear head) count in
 * the completeness, not in the map. The raw signed terms are returned on request
 * (`components`, each in the model's own layout: NHWC for TensorFlow.js), and the
 * completeness delta per input always.
 */
import type { Model } from '../../engine/model.js';
import { SaliencyError } from '../../errors.js';
import { countExamples, sizeOfShape } from '../../engine/model.js';
import { inferLayout } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner, remapTarget } from '../runner.js';
import { CAM_DEFAULTS, CAM_OPTIONS, type CamNormalize, inputSize } from './pipeline.js';
import { minMaxInPlace, resize, type UpsampleMode } from './resize.js';
import { modelInfo, tapLayoutOf } from './layers.js';

export type FullGradScope = 'channel' | 'layer';

export interface FullGradOptions extends CommonOptions {
  /** Min-max scaling of each channel (pytorch-grad-cam, default) or of each layer's tensor (the paper's code). */
  scope?: FullGradScope;
  /** 'bilinear' (default) or 'nearest'. */
  upsample?: UpsampleMode;
  /** Final scaling of the summed map: 'none' (default) or 'minmax'. */
  normalize?: CamNormalize;
  /** Return the raw signed terms: x * grad and, per bias layer, bias * grad. Default false. */
  components?: boolean;
  /** Ignored (FullGrad uses every bias); accepted so every CAM takes `layer`. */
  layer?: string | number;
}

export interface FullGradAttribution extends Attribution {
  /** sum(x * grad), sum of the bias terms and f(x), per input (completeness: the first two sum to the last). */
  completeness: { input: Float64Array; biases: Float64Array; output: Float32Array };
  components?: { input: Float32Array; biases: Array<{ node: string; shape: number[]; values: Float32Array }> };
}

/** |t| scaled per block of `block` values, in place. */
function absScaled(t: Float32Array, block: number): Float32Array {
  for (let i = 0; i < t.length; i++) t[i] = Math.abs(t[i]);
  minMaxInPlace(t, t.length / block);
  return t;
}

/** Why a model gives no bias gradients, and what to do instead. */
function noBiasGradients(format: string): string {
  if (format === 'tfjs-graph') {
    return (
      'FullGrad needs, for every bias, the gradient at the layer output the bias is added to; a TensorFlow.js GraphModel ' +
      'fuses each conv / dense with its bias and activation into one node (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul), ' +
      'so no tensor lies between the bias and the activation. Load the Keras LayersModel instead (a model.json with a modelTopology), ' +
      'or convert this model to ONNX (python3 -m tf2onnx.convert --tfjs model.json --output model.onnx); ' +
      'Grad-CAM and the other CAMs work on this GraphModel'
    );
  }
  return `FullGrad needs the gradients of the biases, which this ${format} model does not expose; use an ONNX model or a TensorFlow.js LayersModel`;
}

export async function fullGrad(model: Model, input: Float32Array, options: FullGradOptions = {}): Promise<FullGradAttribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const scope = options.scope ?? (descriptor.options.scope.default as FullGradScope);
  const mode = options.upsample ?? CAM_DEFAULTS.upsample;
  if (mode === 'none') throw new Error("FullGrad sums layers of different resolutions: upsample must be 'bilinear' or 'nearest'");
  const biases = modelInfo(model).biases;
  if (!biases) throw new SaliencyError('bad-model', noBiasGradients(modelInfo(model).format));
  const [H, W] = inputSize(model);
  const layout = inferLayout(model.inputShape);
  const tapLayout = tapLayoutOf(model); // bias terms come in the layer's layout
  const per = runner.per;
  const depth = per / (H * W);
  const shapes = biases.map((b) => [...model.shapeOf(`bias:${b.node}`)]);
  const values = new Float32Array(n * H * W);
  const sums = { input: new Float64Array(n), biases: new Float64Array(n), output: new Float32Array(n) };
  const comps = options.components ? { input: new Float32Array(n * per), biases: biases.map((b, i) => ({ node: b.node, shape: [n, ...shapes[i]], values: new Float32Array(n * sizeOfShape(shapes[i])) })) } : undefined;
  const wrt = ['input', ...biases.map((b) => `bias:${b.node}`)];
  for (let start = 0; start < n; start += runner.batch) {
    const m = Math.min(runner.batch, n - start);
    const x = input.subarray(start * per, (start + m) * per);
    const t0 = performance.now();
    const r = await model.run(x, { gradients: { seed: remapTarget(target, (i) => start + i), wrt } });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    runner.timings.backwardExamples += m;
    sums.output.set(r['target'], start);
    // input term: x * grad, per input channel
    const xg = new Float32Array(m * per);
    for (let j = 0; j < xg.length; j++) xg[j] = x[j] * r['grad:input'][j];
    comps?.input.set(xg, start * per);
    for (let i = 0; i < m; i++) for (let j = i * per; j < (i + 1) * per; j++) sums.input[start + i] += xg[j];
    const channelFirst = layout === 'NHWC' ? channelsFirst(xg, m, H * W, depth) : xg.slice();
    accumulate(values, start, absScaled(channelFirst, scope === 'channel' ? H * W : per), m, depth, H, W, H, W, mode);
    biases.forEach((b, k) => {
      const g = r[`grad:bias:${b.node}`];
      const size = g.length / m;
      comps?.biases[k].values.set(g, start * size);
      for (let i = 0; i < m; i++) for (let j = i * size; j < (i + 1) * size; j++) sums.biases[start + i] += g[j];
      const s = shapes[k];
      const [C, h, w] = tapLayout === 'NCHW' ? [s[0], s[1], s[2]] : [s[2], s[0], s[1]];
      if (s.length !== 3 || h * w <= 1) return; // not spatial: completeness only
      const maps = tapLayout === 'NCHW' ? Float32Array.from(g) : channelsFirst(g, m, h * w, C);
      accumulate(values, start, absScaled(maps, scope === 'channel' ? h * w : size), m, C, h, w, H, W, mode);
    });
  }
  if ((options.normalize ?? CAM_DEFAULTS.normalize) === 'minmax') minMaxInPlace(values, n);
  const delta = new Float32Array(n);
  for (let e = 0; e < n; e++) delta[e] = sums.input[e] + sums.biases[e] - sums.output[e];
  return {
    values,
    shape: [n, H, W],
    method: 'fullGrad',
    params: { scope, upsample: mode, normalize: options.normalize ?? CAM_DEFAULTS.normalize, biasLayers: biases.length, batchSize: runner.batch },
    target: target.label,
    delta,
    timings: runner.finish(),
    completeness: sums,
    components: comps,
  };
}

/** m examples of [hw, C] (channels last) -> [C, hw]. */
function channelsFirst(t: Float32Array, m: number, hw: number, C: number): Float32Array {
  const out = new Float32Array(t.length);
  const per = hw * C;
  for (let i = 0; i < m; i++) for (let p = 0; p < hw; p++) for (let c = 0; c < C; c++) out[i * per + c * hw + p] = t[i * per + p * C + c];
  return out;
}

/**
 * Add the channel sum of m examples' C maps (h x w), upsampled to H x W, into values[start ..].
 * Resizing is linear, so the channels are summed first and each example resized once
 * (pytorch-grad-cam resizes every channel, then sums: the same numbers).
 */
function accumulate(values: Float32Array, start: number, maps: Float32Array, m: number, C: number, h: number, w: number, H: number, W: number, mode: UpsampleMode): void {
  const hw = h * w;
  const sums = new Float32Array(m * hw);
  for (let i = 0; i < m; i++) {
    const acc = new Float64Array(hw);
    for (let c = 0; c < C; c++) {
      const src = (i * C + c) * hw;
      for (let p = 0; p < hw; p++) acc[p] += maps[src + p];
    }
    sums.set(acc, i * hw);
  }
  const up = resize(sums, m, h, w, H, W, mode);
  const HW = H * W;
  for (let j = 0; j < m * HW; j++) values[start * HW + j] += up[j];
}

export const descriptor = defineMethod({
  name: 'fullgrad',
  aliases: ['full-gradient'],
  title: 'FullGrad',
  family: 'cam',
  summary: 'Input-gradient plus every bias-gradient term, each |.|, scaled, upsampled and summed (Srinivas & Fleuret 2019)',
  needs: { gradients: true }, // `layer` is accepted and ignored
  options: {
    layer: { ...CAM_OPTIONS.layer, description: 'ignored: FullGrad uses every layer with a bias' },
    upsample: { kind: 'choice', choices: ['bilinear', 'nearest'], default: 'bilinear', description: 'resize of each layer term to the input' },
    normalize: CAM_OPTIONS.normalize,
    scope: { kind: 'choice', choices: ['channel', 'layer'], default: 'channel', description: 'min-max scaling per channel (pytorch-grad-cam) or per layer (the paper)' },
  },
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) =>
    fullGrad(model, input, { scope: o.scope as FullGradScope, upsample: o.upsample as UpsampleMode, normalize: o.normalize as CamNormalize, target: ctx.target, batchSize: ctx.batchSize }),
  order: 100,
});
