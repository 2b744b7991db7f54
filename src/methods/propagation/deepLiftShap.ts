/**
 * DeepLIFT-SHAP (Lundberg & Lee 2017; Captum's DeepLiftShap): DeepLIFT averaged over a
 * distribution of baselines, phi = mean_k (x - b_k) * m(x, b_k). The distribution is either
 * a set of baseline examples (a Float32Array of k examples: every input is paired with all
 * k, as Captum does) or a sampler drawn `samples` times per input. Pairs are streamed, so
 * memory holds one batch whatever k. `delta` = sum(phi) - (f(x) - mean_k f(b_k)).
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { describeBaseline, toSampler, type Baseline } from '../../baselines/baseline.js';
import { rngFor } from '../../random.js';
import type { CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { deepLiftPairs, type DeepLiftResult } from './deepLift.js';

const OPTIONS = {
  samples: { kind: 'integer', default: 10, min: 1, description: 'baselines drawn per input (when the distribution is a sampler)' },
} as const;

export interface DeepLiftShapOptions extends CommonOptions {
  /** Baseline examples (all used) or a sampler. */
  baseline: Baseline;
  /** Draws per input from a sampler. Default 10. */
  samples?: number;
  seed?: number;
}

export async function deepLiftShap(model: Model, input: Float32Array, options: DeepLiftShapOptions): Promise<DeepLiftResult> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const seed = options.seed ?? 0;
  const set = options.baseline instanceof Float32Array && options.baseline.length % per === 0 ? options.baseline : undefined;
  const k = set ? set.length / per : options.samples ?? OPTIONS.samples.default;
  if (!Number.isInteger(k) || k < 1) throw new Error(`samples must be a positive integer, got ${k}`);
  const sampler = set ? undefined : toSampler(options.baseline, per);
  const rngs = Array.from({ length: n }, (_, e) => rngFor(seed, e));
  const acc = new Float64Array(n * per);
  const gap = new Float64Array(n); // sum over draws of f(x) - f(b)
  await deepLiftPairs(
    model,
    runner,
    n * k,
    (i) => Math.floor(i / k),
    (i, x, b) => {
      const e = Math.floor(i / k);
      x.set(input.subarray(e * per, (e + 1) * per));
      b.set(set ? set.subarray((i % k) * per, (i % k + 1) * per) : sampler!.sample(input.subarray(e * per, (e + 1) * per), rngs[e]));
    },
    (start, m, phi, fx, fb) => {
      for (let i = 0; i < m; i++) {
        const e = Math.floor((start + i) / k);
        for (let j = 0; j < per; j++) acc[e * per + j] += phi[i * per + j];
        gap[e] += fx[i] - fb[i];
      }
    },
  );
  const values = new Float32Array(n * per);
  const delta = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    let s = 0;
    for (let j = e * per; j < (e + 1) * per; j++) s += (values[j] = acc[j] / k);
    delta[e] = s - gap[e] / k;
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'deepLiftShap',
    params: { baseline: set ? `${k} baseline examples` : describeBaseline(options.baseline), samples: k, seed, batchSize: runner.batch },
    target: target.label,
    delta,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'deepliftshap',
  aliases: ['deepshap'],
  title: 'DeepLIFT-SHAP',
  family: 'propagation',
  summary: 'DeepLIFT averaged over a distribution of baselines (Lundberg & Lee 2017)',
  needs: { gradients: true, baseline: true, rule: true },
  options: OPTIONS,
  random: (_o, cost) => cost.randomBaseline,
  cost: (n, o) => 2 * n * o.samples,
  run: (model, input, o, context) => {
    if (context.baseline === undefined) throw new Error('deepliftshap needs a baseline distribution (e.g. --baseline uniform or a dataset)');
    return deepLiftShap(model, input, { target: context.target, batchSize: context.batchSize, baseline: context.baseline, samples: o.samples, seed: context.seed });
  },
  order: 31,
});
