/**
 * Expected Gradients (Erion et al.; Sturmfels et al.'s "averaging over baselines" with
 * one random alpha per draw):
 *   phi = E_{x' ~ D, alpha ~ U(0, 1)} [ (x - x') * grad f(x' + alpha (x - x')) ],
 * estimated with k samples per input (Captum's GradientShap with no input noise).
 * Each input has its own seeded stream, so results do not depend on batching.
 * Delta (optional): sum(phi) - (f(x) - mean_k f(x'_k)), which goes to 0 in expectation.
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import { describeBaseline, toSampler, type Baseline } from '../baselines/baseline.js';
import { datasetBaseline } from '../baselines/dataset.js';
import { rngFor, type Rng } from '../random.js';
import type { Attribution, CommonOptions } from './attribution.js';
import { Runner } from './runner.js';
import { defineMethod } from './descriptor.js';

export interface ExpectedGradientsOptions extends CommonOptions {
  /**
   * The baseline distribution: a sampler (uniformBaseline, gaussianBaseline,
   * datasetBaseline ...) or a Float32Array of one or more examples to draw from.
   */
  baseline: Baseline;
  /** Samples per input. Default 20. */
  samples?: number;
  seed?: number;
  /** Compute the delta (k extra forward passes per input). Default true. */
  delta?: boolean;
}

export async function expectedGradients(model: Model, input: Float32Array, options: ExpectedGradientsOptions): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  if (options.baseline === undefined) throw new Error('expectedGradients needs a baseline distribution (e.g. datasetBaseline(trainingExamples, size))');
  const target = await runner.resolveTarget(options.target, input);
  const sampler = options.baseline instanceof Float32Array ? datasetBaseline(options.baseline, per) : toSampler(options.baseline, per);
  const k = options.samples ?? descriptor.options.samples.default;
  if (!Number.isInteger(k) || k < 1) throw new Error(`samples must be a positive integer, got ${k}`);
  const seed = options.seed ?? 0;
  const wantDelta = options.delta ?? true;
  const rngs: Rng[] = Array.from({ length: n }, (_, e) => rngFor(seed, e));

  const acc = new Float64Array(n * per);
  const chunkBase = new Float32Array(runner.batch * per);
  const baselineOut = new Float64Array(n);
  await runner.stream(
    n * k,
    (p) => Math.floor(p / k),
    (p, dest) => {
      const e = Math.floor(p / k);
      const x = input.subarray(e * per, (e + 1) * per);
      const b = sampler.sample(x, rngs[e]);
      const alpha = rngs[e].float();
      chunkBase.set(b, (p % runner.batch) * per);
      for (let j = 0; j < per; j++) dest[j] = b[j] + alpha * (x[j] - b[j]);
    },
    async (start, m, grads) => {
      for (let i = 0; i < m; i++) {
        const e = Math.floor((start + i) / k);
        const o = e * per;
        const b = (start + i) % runner.batch;
        for (let j = 0; j < per; j++) acc[o + j] += (input[o + j] - chunkBase[b * per + j]) * grads[i * per + j];
      }
      if (wantDelta) {
        const v = await runner.values(chunkBase.subarray(0, m * per), (i) => Math.floor((start + i) / k));
        for (let i = 0; i < m; i++) baselineOut[Math.floor((start + i) / k)] += v[i] / k;
      }
    },
  );
  const values = Float32Array.from(acc, (v) => v / k);
  let delta: Float32Array | undefined;
  if (wantDelta) {
    const fx = await runner.values(input, (i) => i);
    delta = new Float32Array(n);
    for (let e = 0; e < n; e++) {
      let s = 0;
      for (let j = e * per; j < (e + 1) * per; j++) s += values[j];
      delta[e] = s - (fx[e] - baselineOut[e]);
    }
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'expectedGradients',
    params: { baseline: describeBaseline(options.baseline), samples: k, seed, batchSize: runner.batch },
    target: target.label,
    delta,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'expectedgradients',
  aliases: ['eg', 'gradientshap'],
  title: 'Expected Gradients',
  family: 'path',
  summary: "IG averaged over a baseline distribution, one random baseline and alpha per sample (Erion et al. 2021)",
  needs: { gradients: true, baseline: true },
  options: {
    samples: { kind: 'integer', default: 20, min: 1, max: 100000, description: 'samples (a drawn baseline and a random alpha) per input' },
  },
  random: true,
  // a gradient per sample, the sampled baselines' outputs for the delta, and f(x)
  cost: (n, o) => n * 2 * o.samples + n,
  run: (model, input, o, c) => {
    if (c.baseline === undefined) throw new Error('expectedgradients needs a baseline distribution (e.g. --baseline uniform or dataset:DIR)');
    return expectedGradients(model, input, { target: c.target, batchSize: c.batchSize, seed: c.seed, samples: o.samples, baseline: c.baseline });
  },
  order: 40,
});
