/**
 * Score-CAM (Wang et al. 2020): each channel of the layer, upsampled to the input and
 * min-max scaled, masks the input; the channel's weight is the softmax over channels of
 * the target's score on the masked input. The paper's score is the increase over a
 * baseline input, f(x o M_c) - f(x_b); the softmax is unchanged by subtracting a constant,
 * so that is the same weight (pytorch-grad-cam uses the raw scores). As pytorch-grad-cam:
 * masks upsampled bilinearly with align_corners = true (nn.UpsamplingBilinear2d), scaled
 * (M - min) / (max - min + 1e-8). Forward-only: the n x C masked inputs stream through
 * the model in batches of `batchSize`, built one batch at a time; constant channels (zero
 * masks, hence an all-zero input) share one evaluation.
 */
import type { Model } from '../../engine/model.js';
import { inferLayout } from '../../engine/space.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, inputSize, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';
import { minMaxInPlace, resizeBilinear } from './resize.js';
import type { Runner } from '../runner.js';

async function scoreWeights(lv: LayerValues, runner: Runner, model: Model, input: Float32Array): Promise<Float32Array> {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const [H, W] = inputSize(model);
  const layout = inferLayout(model.inputShape);
  const per = runner.per;
  const depth = per / (H * W); // input channels
  const total = lv.n * C;
  const scores = new Float64Array(total);
  const out = runner.outSize;
  // A constant channel (a dead ReLU) scales to a zero mask: its masked input is all zeros,
  // the same for every such channel, so that score is computed once.
  const live: number[] = [];
  const flat: number[] = [];
  for (let k = 0; k < total; k++) {
    const a = lv.acts.subarray(k * hw, (k + 1) * hw);
    let lo = a[0];
    let hi = a[0];
    for (const v of a) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    (hi > lo ? live : flat).push(k);
  }
  if (flat.length > 0) {
    const zero = await runner.forward(new Float32Array(per));
    for (const k of flat) scores[k] = runner.target.value(zero, Math.floor(k / C));
  }
  const batch = new Float32Array(Math.min(runner.batch, Math.max(live.length, 1)) * per);
  for (let start = 0; start < live.length; start += runner.batch) {
    const m = Math.min(runner.batch, live.length - start);
    for (let i = 0; i < m; i++) {
      const k = live[start + i]; // example e = k / C, channel c = k % C
      const e = Math.floor(k / C);
      const mask = resizeBilinear(lv.acts.subarray(k * hw, (k + 1) * hw), 1, h, w, H, W, true);
      minMaxInPlace(mask, 1, 1e-8);
      const x = input.subarray(e * per, (e + 1) * per);
      const dest = batch.subarray(i * per, (i + 1) * per);
      if (layout === 'NHWC') for (let j = 0; j < per; j++) dest[j] = x[j] * mask[Math.floor(j / depth)];
      else for (let j = 0; j < per; j++) dest[j] = x[j] * mask[j % (H * W)];
    }
    const logits = await runner.forward(batch.subarray(0, m * per));
    for (let i = 0; i < m; i++) scores[live[start + i]] = runner.target.value(logits.subarray(i * out, (i + 1) * out), Math.floor(live[start + i] / C));
  }
  const weights = new Float32Array(total);
  for (let e = 0; e < lv.n; e++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, scores[e * C + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(scores[e * C + c] - max);
    for (let c = 0; c < C; c++) weights[e * C + c] = Math.exp(scores[e * C + c] - max) / sum;
  }
  return weights;
}

export function scoreCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, {
    method: 'scoreCam',
    gradients: false,
    weights: (lv, ctx) => scoreWeights(lv, ctx.runner, model, input),
  });
}

export const descriptor = defineMethod({
  name: 'scorecam',
  aliases: ['score-cam'],
  title: 'Score-CAM',
  family: 'cam',
  summary: 'Channels weighted by the softmax of the score of the input masked by each channel; forward-only (Wang et al. 2020)',
  needs: { gradients: false, layer: true },
  options: CAM_OPTIONS,
  random: false,
  // one pass for the activations, one masked input per channel (channels known at run time; 512 is typical)
  cost: (n) => n * 513,
  run: (model, input, o, ctx) => scoreCam(model, input, camOptionsFrom(o, ctx)),
  order: 90,
});
