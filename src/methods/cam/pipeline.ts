/**
 * The one CAM pipeline (pytorch-grad-cam's template idea): activations A and gradients G
 * at a layer from one model.run per batch -> channel weights (the only part a variant
 * defines; some variants define the layer map directly) -> weighted sum over channels
 * (the raw signed layer map, always returned) -> optional ReLU -> upsampling to the
 * input's spatial size -> optional min-max normalisation per image.
 *
 * The result: `values` [n, H, W] (input spatial size; [n, h, w] with upsample 'none'),
 * `layerMap` [n, h, w] = the raw signed map at the layer (before ReLU), `layerShape`,
 * `layer` (the tensor read) and, for weight-based variants, `channelWeights` [n, C].
 */
import type { Model } from '../../engine/model.js';
import { countExamples, sizeOfShape } from '../../engine/model.js';
import { inferLayout } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import type { MethodContext } from '../descriptor.js';
import { Runner, remapTarget } from '../runner.js';
import { type CamLayer, resolveCamLayer, toChannelFirst } from './layers.js';
import { minMaxInPlace, resize, type UpsampleMode } from './resize.js';

export type CamNormalize = 'none' | 'minmax';

export interface CamOptions extends CommonOptions {
  /** 'auto' (default), a negative index among spatial layers, or a tensor / node name. */
  layer?: string | number;
  /** Keep only the positive part of the map (the Grad-CAM paper's ReLU). Default false. */
  relu?: boolean;
  /** To the input's spatial size: 'bilinear' (align_corners false, default), 'nearest' or 'none'. */
  upsample?: UpsampleMode;
  /** 'none' (default) or 'minmax' per image: (m - min) / (max - min + 1e-7), pytorch-grad-cam's epsilon. */
  normalize?: CamNormalize;
}

export const CAM_DEFAULTS = { layer: 'auto', relu: false, upsample: 'bilinear' as UpsampleMode, normalize: 'none' as CamNormalize };

/** The option schema every CAM descriptor shares (defaults live here, once). */
export const CAM_OPTIONS = {
  layer: { kind: 'string', default: CAM_DEFAULTS.layer, description: "layer: 'auto' (last spatial feature map), -k (k-th spatial layer from the end), or a tensor/node name" },
  relu: { kind: 'boolean', default: CAM_DEFAULTS.relu, description: 'keep only the positive part of the map' },
  upsample: { kind: 'choice', choices: ['bilinear', 'nearest', 'none'], default: CAM_DEFAULTS.upsample, description: 'resize to the input (bilinear: align_corners false)' },
  normalize: { kind: 'choice', choices: ['none', 'minmax'], default: CAM_DEFAULTS.normalize, description: 'min-max scale each map to [0, 1]' },
} as const;

/** A descriptor's option values and context -> the library options. */
export function camOptionsFrom(o: { layer: string; relu: boolean; upsample: string; normalize: string }, ctx: MethodContext): CamOptions {
  return {
    layer: o.layer,
    relu: o.relu,
    upsample: o.upsample as UpsampleMode,
    normalize: o.normalize as CamNormalize,
    target: ctx.target,
    batchSize: ctx.batchSize,
  };
}

export interface CamAttribution extends Attribution {
  /** Tensor name of the layer the map was computed at. */
  layer: string;
  /** Raw signed map at the layer's resolution, before ReLU and upsampling: [n, h, w]. */
  layerMap: Float32Array;
  layerShape: number[];
  /** Channel weights [n, C] for variants defined by them. */
  channelWeights?: Float32Array;
}

/** Channel-first activations (and gradients) at a layer for n inputs. */
export interface LayerValues {
  layer: CamLayer;
  n: number;
  acts: Float32Array;
  grads?: Float32Array;
  /** Target value per input. */
  values: Float32Array;
  /** The tap's values as the model gives them (its own layout), [n, ...layer.shape]. */
  native: Float32Array;
}

/** Activations (and gradients of the target) at the layer, one model.run per batch. */
export async function layerPass(runner: Runner, input: Float32Array, layer: CamLayer, gradients: boolean): Promise<LayerValues> {
  const n = input.length / runner.per;
  const per = layer.channels * layer.height * layer.width;
  const tapPer = sizeOfShape(layer.shape);
  const acts = new Float32Array(n * per);
  const grads = gradients ? new Float32Array(n * per) : undefined;
  const values = new Float32Array(n);
  const native = new Float32Array(n * tapPer);
  for (let start = 0; start < n; start += runner.batch) {
    const m = Math.min(runner.batch, n - start);
    const t0 = performance.now();
    const r = await runner.model.run(input.subarray(start * runner.per, (start + m) * runner.per), {
      outputs: gradients ? [layer.name] : [layer.name, 'logits'],
      ...(gradients ? { gradients: { seed: remapTarget(runner.target, (i) => start + i), wrt: [layer.name] } } : {}),
    });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    if (gradients) runner.timings.backwardExamples += m;
    else runner.timings.forwardExamples += m;
    for (let i = 0; i < m; i++) {
      const e = start + i;
      toChannelFirst(r[layer.name].subarray(i * tapPer, (i + 1) * tapPer), layer, acts.subarray(e * per, (e + 1) * per));
      if (grads) toChannelFirst(r[`grad:${layer.name}`].subarray(i * tapPer, (i + 1) * tapPer), layer, grads.subarray(e * per, (e + 1) * per));
    }
    native.set(r[layer.name], start * tapPer);
    if (gradients) values.set(r['target'], start);
    else for (let i = 0; i < m; i++) values[start + i] = runner.target.value(r['logits'].subarray(i * runner.outSize, (i + 1) * runner.outSize), start + i);
  }
  return { layer, n, acts, grads, values, native };
}

/** sum_c w[e, c] * A[e, c, :, :] -> [n, h, w]. */
export function weightedSum(lv: LayerValues, weights: Float32Array): Float32Array {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const out = new Float32Array(lv.n * hw);
  for (let e = 0; e < lv.n; e++) {
    const acc = new Float64Array(hw);
    for (let c = 0; c < C; c++) {
      const wc = weights[e * C + c];
      const a = (e * C + c) * hw;
      for (let p = 0; p < hw; p++) acc[p] += wc * lv.acts[a + p];
    }
    out.set(acc, e * hw);
  }
  return out;
}

/** Spatial size of the input (H, W), from its layout. */
export function inputSize(model: Model): [number, number] {
  const s = model.inputShape;
  const layout = inferLayout(s);
  if (layout === 'NCHW') return [s[1], s[2]];
  if (layout === 'NHWC') return [s[0], s[1]];
  if (s.length === 2) return [s[0], s[1]];
  throw new Error(`the input [${s.join(', ')}] is not an image; use upsample 'none' to keep the map at the layer`);
}

/** ReLU, upsampling and normalisation of layer maps [n, h, w]. */
export function finishMaps(model: Model, maps: Float32Array, n: number, h: number, w: number, options: CamOptions): { values: Float32Array; shape: number[] } {
  const relu = options.relu ?? CAM_DEFAULTS.relu;
  const mode = options.upsample ?? CAM_DEFAULTS.upsample;
  const normalize = options.normalize ?? CAM_DEFAULTS.normalize;
  let cur: Float32Array = Float32Array.from(maps);
  if (relu) for (let i = 0; i < cur.length; i++) cur[i] = Math.max(cur[i], 0);
  let [H, W] = [h, w];
  if (mode !== 'none') {
    [H, W] = inputSize(model);
    cur = resize(cur, n, h, w, H, W, mode);
  }
  if (normalize === 'minmax') minMaxInPlace(cur, n);
  else if (normalize !== 'none') throw new Error(`normalize must be 'none' or 'minmax', got '${normalize}'`);
  return { values: cur, shape: [n, H, W] };
}

/** What a variant defines: channel weights, or the layer map itself. */
export interface CamVariant<O extends CamOptions = CamOptions> {
  method: string;
  /** Whether the variant needs gradients at the layer. */
  gradients: boolean;
  weights?(lv: LayerValues, ctx: { model: Model; runner: Runner; input: Float32Array; options: O }): Float32Array | Promise<Float32Array>;
  map?(lv: LayerValues): Float32Array;
  /** Extra params recorded in the result. */
  params?(options: O): Record<string, unknown>;
}

/** Run a CAM variant through the pipeline. */
export async function runCam<O extends CamOptions>(model: Model, input: Float32Array, options: O, variant: CamVariant<O>): Promise<CamAttribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const target = await runner.resolveTarget(options.target, input);
  const layer = resolveCamLayer(model, options.layer ?? CAM_DEFAULTS.layer);
  const lv = await layerPass(runner, input, layer, variant.gradients);
  let channelWeights: Float32Array | undefined;
  let layerMap: Float32Array;
  if (variant.weights) {
    channelWeights = await variant.weights(lv, { model, runner, input, options });
    layerMap = weightedSum(lv, channelWeights);
  } else {
    layerMap = variant.map!(lv);
  }
  const { values, shape } = finishMaps(model, layerMap, n, layer.height, layer.width, options);
  return {
    values,
    shape,
    method: variant.method,
    params: {
      layer: layer.name,
      relu: options.relu ?? CAM_DEFAULTS.relu,
      upsample: options.upsample ?? CAM_DEFAULTS.upsample,
      normalize: options.normalize ?? CAM_DEFAULTS.normalize,
      batchSize: runner.batch,
      ...(variant.params?.(options) ?? {}),
    },
    target: target.label,
    timings: runner.finish(),
    layer: layer.name,
    layerMap,
    layerShape: [n, layer.height, layer.width],
    channelWeights,
  };
}
