/**
 * Ablation-CAM (Desai & Ramaswamy 2020): the weight of channel c is the relative drop of
 * the target's score when that channel of the layer is zeroed, w_c = (y - y_c) / y.
 * Forward-only: the n x C ablated activations are fed at the layer (the engine's tap
 * overrides; paths that bypass the layer still run from the input), in batches of
 * `batchSize`. As the paper, the channel is set to zero; pytorch-grad-cam sets it to
 * -1e7 instead when the layer has negative values (the two agree on layers after a ReLU).
 * On a GAP + linear head the drop is exact: y - y_c = W[k, c] mean(A_c).
 */
import type { Model } from '../../engine/model.js';
import { sizeOfShape } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import type { Runner } from '../runner.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';

/** Zero channel c of one example's tap values (in the tap's own layout), in place. */
function zeroChannel(values: Float32Array, lv: LayerValues, c: number): void {
  const { channels: C, height: h, width: w, layout, skipTokens } = lv.layer;
  if (layout === 'NCHW') values.fill(0, c * h * w, (c + 1) * h * w);
  else for (let p = 0; p < h * w; p++) values[(skipTokens + p) * C + c] = 0;
}

/** Target scores with each channel zeroed: [n, C]. */
export async function ablatedScores(lv: LayerValues, runner: Runner, input: Float32Array): Promise<Float64Array> {
  const C = lv.layer.channels;
  const tapPer = sizeOfShape(lv.layer.shape);
  const per = runner.per;
  const total = lv.n * C;
  const scores = new Float64Array(total);
  const cap = Math.min(runner.batch, total);
  const inputs = new Float32Array(cap * per);
  const taps = new Float32Array(cap * tapPer);
  for (let start = 0; start < total; start += runner.batch) {
    const m = Math.min(runner.batch, total - start);
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / C);
      inputs.set(input.subarray(e * per, (e + 1) * per), i * per);
      const dest = taps.subarray(i * tapPer, (i + 1) * tapPer);
      dest.set(lv.native.subarray(e * tapPer, (e + 1) * tapPer));
      zeroChannel(dest, lv, (start + i) % C);
    }
    const t0 = performance.now();
    const r = await runner.model.run(inputs.subarray(0, m * per), { outputs: ['logits'], overrides: { [lv.layer.name]: taps.subarray(0, m * tapPer) } });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    runner.timings.forwardExamples += m;
    const out = runner.outSize;
    for (let i = 0; i < m; i++) scores[start + i] = runner.target.value(r['logits'].subarray(i * out, (i + 1) * out), Math.floor((start + i) / C));
  }
  return scores;
}

export function ablationCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, {
    method: 'ablationCam',
    gradients: false,
    weights: async (lv, { runner }) => {
      const C = lv.layer.channels;
      const scores = await ablatedScores(lv, runner, input);
      const w = new Float32Array(lv.n * C);
      for (let k = 0; k < w.length; k++) {
        const y = lv.values[Math.floor(k / C)];
        w[k] = (y - scores[k]) / y;
      }
      return w;
    },
  });
}

export const descriptor = defineMethod({
  name: 'ablationcam',
  aliases: ['ablation-cam'],
  title: 'Ablation-CAM',
  family: 'cam',
  summary: 'Channels weighted by the relative drop of the score when each is zeroed; forward-only (Desai & Ramaswamy 2020)',
  needs: { gradients: false, layer: true },
  options: CAM_OPTIONS,
  random: false,
  // one pass for the activations, one ablated pass per channel (known at run time; 512 is typical)
  cost: (n) => n * 513,
  run: (model, input, o, ctx) => ablationCam(model, input, camOptionsFrom(o, ctx)),
  order: 80,
});
