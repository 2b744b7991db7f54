/**
 * Score-CAM (Wang et al. 2020): each channel of the layer, upsampled to the input and
 * min-max scaled, masks the input; the channel's weight is the softmax over channels of
 * the target's score on the masked input. The paper's score is the increase over a
 * baseline input, f(x o M_c) - f(x_b); the softmax is unchanged by subtracting a constant,
 * so that is the same weight (pytorch-grad-cam uses the raw scores). As pytorch-grad-cam:
 * masks upsampled bilinearly with align_corners = true (nn.UpsamplingBilinear2d), scaled
 * (M - min) / (max - min + 1e-8). Forward-only: the n x C masked inputs stream through
 * the model in batches of `batchSize`, built one batch at a time; channels with the same
 * scaled mask share one evaluation (shareMasks: constant channels, hence an all-zero input,
 * and positive affine images of an earlier channel).
 */
import type { Model } from '../../engine/model.js';
import { inferLayout } from '../../engine/space.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, inputSize, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';
import { BilinearResizer } from './resize.js';
import type { Runner } from '../runner.js';

/** Passes Score-CAM saved by sharing: constant channels, and channels whose mask equals an earlier one's. */
export interface ScoreCamSharing {
  /** Channels (all examples) whose map is constant: one all-zero input for all of them. */
  constant: number;
  /** Channels whose min-max scaled map equals an earlier channel's of the same example. */
  duplicate: number;
  /** Masked-input forward passes run (including the one all-zero input). */
  passes: number;
}

/** Scaled maps closer than this at every position share a mask (float32 rounding of an affine map is ~1e-7). */
export const SHARED_MASK_TOLERANCE = 2 ** -20;

/**
 * Which masked inputs Score-CAM must evaluate. Upsampling is linear, so a map a and
 * s a + t (s > 0) give the same min-max scaled mask (up to the 1e-8 epsilon's share,
 * 1e-8 / (max - min) relative): a channel reuses the pass of an earlier channel of the
 * same example whose scaled map at the layer, (a - min) / (max - min), is within
 * SHARED_MASK_TOLERANCE (2^-20, ~1e-6) everywhere; so the masks differ by at most that and
 * the scores by as little (float32 rounding makes computed affine images differ by ~1e-7).
 * Candidates are found by a key of the map rounded to 2^-12; a pair straddling a rounding
 * boundary is only a missed saving. Constant maps scale to zero masks: one all-zero input.
 * Returns, per channel, the channel whose pass it uses (itself when it is evaluated; -1:
 * the all-zero input).
 */
export function shareMasks(acts: Float32Array, n: number, C: number, hw: number): { source: Int32Array; sharing: ScoreCamSharing } {
  const source = new Int32Array(n * C);
  const sharing: ScoreCamSharing = { constant: 0, duplicate: 0, passes: 0 };
  const scaled = new Float64Array(C * hw); // one example's scaled maps (sharing stays within an example)
  const rounded = new Int32Array(hw);
  for (let e = 0; e < n; e++) {
    const buckets = new Map<string, number[]>();
    for (let c = 0; c < C; c++) {
      const k = e * C + c;
      const a = acts.subarray(k * hw, (k + 1) * hw);
      let lo = a[0];
      let hi = a[0];
      for (let p = 1; p < hw; p++) (lo = Math.min(lo, a[p])), (hi = Math.max(hi, a[p]));
      if (!(hi > lo)) {
        source[k] = -1;
        sharing.constant++;
        continue;
      }
      const mine = scaled.subarray(c * hw, (c + 1) * hw);
      for (let p = 0; p < hw; p++) rounded[p] = Math.round((mine[p] = (a[p] - lo) / (hi - lo)) * 4096);
      const key = bitsKey(rounded);
      const bucket = buckets.get(key) ?? [];
      const first = bucket.find((j) => withinTolerance(mine, scaled.subarray((j - e * C) * hw, (j - e * C + 1) * hw)));
      if (first !== undefined) {
        source[k] = first;
        sharing.duplicate++;
      } else {
        bucket.push(k);
        buckets.set(key, bucket);
        source[k] = k;
        sharing.passes++;
      }
    }
  }
  if (sharing.constant > 0) sharing.passes++;
  return { source, sharing };
}

function withinTolerance(a: Float64Array, b: Float64Array): boolean {
  for (let p = 0; p < a.length; p++) if (Math.abs(a[p] - b[p]) > SHARED_MASK_TOLERANCE) return false;
  return true;
}

/** The exact bits of a map as a string (a Map key). */
function bitsKey(values: Int32Array): string {
  const words = new Uint16Array(values.buffer, values.byteOffset, values.length * 2);
  let key = '';
  for (let i = 0; i < words.length; i += 4096) key += String.fromCharCode(...words.subarray(i, i + 4096));
  return key;
}

/** dest = x * mask, the mask [H * W] broadcast over the input's channels (NCHW or NHWC). */
/**
 * Score-CAM's masked inputs, written straight into a batch buffer: each map is upsampled
 * (align_corners true, as nn.UpsamplingBilinear2d) into one reused buffer while its min and
 * max are tracked, then scaled to (m - min) / (max - min + 1e-8) and multiplied into the input
 * in one pass. The float32 roundings are those of resizeBilinear, minMaxInPlace and the product
 * (the same masked inputs, bit for bit), without a fresh map or two more passes per channel.
 */
export class MaskedInputs {
  private readonly resizer: BilinearResizer;
  private readonly up: Float32Array;
  constructor(h: number, w: number, H: number, W: number, private readonly depth: number, private readonly nhwc: boolean) {
    this.resizer = new BilinearResizer(h, w, H, W, true);
    this.up = new Float32Array(H * W);
  }

  write(dest: Float32Array, x: Float32Array, map: Float32Array): void {
    const { up, depth } = this;
    const [lo, hi] = this.resizer.resizeInto(map, up);
    const scale = hi - lo + 1e-8;
    const hw = up.length;
    if (this.nhwc) {
      for (let p = 0; p < hw; p++) {
        const m = Math.fround((up[p] - lo) / scale);
        for (let d = p * depth; d < (p + 1) * depth; d++) dest[d] = x[d] * m;
      }
      return;
    }
    for (let p = 0; p < hw; p++) up[p] = (up[p] - lo) / scale;
    for (let c = 0; c < depth; c++) {
      const o = c * hw;
      for (let p = 0; p < hw; p++) dest[o + p] = x[o + p] * up[p];
    }
  }
}

async function scoreWeights(lv: LayerValues, runner: Runner, model: Model, input: Float32Array, sharingOut: (s: ScoreCamSharing) => void): Promise<Float32Array> {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const [H, W] = inputSize(model);
  const nhwc = inferLayout(model.inputShape) === 'NHWC';
  const per = runner.per;
  const depth = per / (H * W); // input channels
  const total = lv.n * C;
  const scores = new Float64Array(total);
  const out = runner.outSize;
  const { source, sharing } = shareMasks(lv.acts, lv.n, C, hw);
  sharingOut(sharing);
  if (sharing.constant > 0) {
    const zero = await runner.forward(new Float32Array(per));
    for (let k = 0; k < total; k++) if (source[k] === -1) scores[k] = runner.target.value(zero, Math.floor(k / C));
  }
  const masked = new MaskedInputs(h, w, H, W, depth, nhwc);
  const live: number[] = [];
  for (let k = 0; k < total; k++) if (source[k] === k) live.push(k);
  // Two batch buffers: the next batch of masked inputs is built while onnxruntime runs the
  // previous one (its run is off the JS thread), so the masks cost little wall time.
  const size = Math.min(runner.batch, Math.max(live.length, 1)) * per;
  const buffers = [new Float32Array(size), new Float32Array(live.length > runner.batch ? size : 0)];
  let running: Promise<void> | undefined;
  for (let start = 0, b = 0; start < live.length; start += runner.batch, b ^= 1) {
    const m = Math.min(runner.batch, live.length - start);
    const batch = buffers[b].subarray(0, m * per);
    for (let i = 0; i < m; i++) {
      const k = live[start + i]; // example e = k / C, channel c = k % C
      const e = Math.floor(k / C);
      masked.write(batch.subarray(i * per, (i + 1) * per), input.subarray(e * per, (e + 1) * per), lv.acts.subarray(k * hw, (k + 1) * hw));
    }
    await running;
    const first = start;
    running = runner.forward(batch).then((logits) => {
      for (let i = 0; i < m; i++) scores[live[first + i]] = runner.target.value(logits.subarray(i * out, (i + 1) * out), Math.floor(live[first + i] / C));
    });
  }
  await running;
  for (let k = 0; k < total; k++) if (source[k] >= 0 && source[k] !== k) scores[k] = scores[source[k]];
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

/** Score-CAM; `params.sharing` says how many masked-input passes the shared masks saved. */
export function scoreCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  let sharing: ScoreCamSharing | undefined;
  return runCam(model, input, options, {
    method: 'scoreCam',
    gradients: false,
    weights: (lv, ctx) => scoreWeights(lv, ctx.runner, model, input, (s) => (sharing = s)),
    params: () => (sharing ? { sharing: { ...sharing } } : {}),
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
