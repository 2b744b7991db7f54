/**
 * Averaging any baseline method over n draws of a baseline distribution (the baselines
 * article's "averaging over multiple baselines"): phi = mean_k method(x; x'_k), with
 * x'_k drawn from a sampler (uniform, gaussian, dataset, blur ...). The delta is the mean
 * of the draws' deltas, i.e. sum(phi) - (f(x) - mean_k f(x'_k)).
 * With integratedGradients this is what expected gradients estimates with one random
 * alpha per draw instead of an integral.
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import { describeBaseline, toSampler, type Baseline } from '../baselines/baseline.js';
import { datasetBaseline } from '../baselines/dataset.js';
import { rngFor } from '../random.js';
import type { Attribution, CommonOptions, Method } from './attribution.js';
import { integratedGradients, descriptor as igDescriptor } from './integratedGradients.js';
import { Runner } from './runner.js';
import { runVariants } from './variants.js';

export interface AverageOptions<O extends CommonOptions = CommonOptions> extends CommonOptions {
  /** The distribution: a sampler, or a Float32Array of examples to draw from. */
  baseline: Baseline;
  /** Draws per input. Default 10. */
  samples?: number;
  /** The method taking a `baseline` option. Default integratedGradients. */
  method?: Method<O & { baseline?: Baseline }>;
  methodOptions?: Omit<O, 'target' | 'batchSize' | 'baseline'>;
  seed?: number;
  /** Draws per inner call. Default: the batch size. */
  group?: number;
}

export async function averageOverBaselines<O extends CommonOptions = CommonOptions>(
  model: Model,
  input: Float32Array,
  options: AverageOptions<O>,
): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const sampler = options.baseline instanceof Float32Array ? datasetBaseline(options.baseline, per) : toSampler(options.baseline, per);
  // the default draws are Integrated Gradients' `samples` option (its draws of a random baseline)
  const k = options.samples ?? igDescriptor.options.samples.default;
  if (!Number.isInteger(k) || k < 1) throw new Error(`samples must be a positive integer, got ${k}`);
  const seed = options.seed ?? 0;
  const rngs = Array.from({ length: n }, (_, e) => rngFor(seed, e));
  const sum = new Float64Array(n * per);
  const deltaSum = new Float64Array(n);
  let haveDelta = true;
  const method = (options.method ?? integratedGradients) as unknown as Method<O>;
  const inner = await runVariants(
    {
      model,
      n,
      per,
      samples: k,
      group: options.group ?? runner.batch,
      target,
      method,
      options: { ...(options.methodOptions ?? {}), batchSize: runner.batch } as O,
      seed,
      makeInput: (e, _s, dest) => dest.set(input.subarray(e * per, (e + 1) * per)),
      makeBaseline: (e, _s, dest) => {
        const b = sampler.sample(input.subarray(e * per, (e + 1) * per), rngs[e]);
        if (b.length !== per) throw new Error(`baseline sampler '${sampler.label}' returned ${b.length} values; expected ${per}`);
        dest.set(b);
      },
      consume: (e, _s, values, delta) => {
        for (let j = 0; j < per; j++) sum[e * per + j] += values[j];
        if (delta === undefined) haveDelta = false;
        else deltaSum[e] += delta;
      },
    },
    runner.timings,
  );
  return {
    values: Float32Array.from(sum, (v) => v / k),
    shape: [n, ...model.inputShape],
    method: `averageOverBaselines(${inner?.method ?? 'integratedGradients'})`,
    params: {
      baseline: describeBaseline(options.baseline),
      samples: k,
      seed,
      inner: inner ? { method: inner.method, params: inner.params } : undefined,
      batchSize: runner.batch,
    },
    target: target.label,
    delta: haveDelta ? Float32Array.from(deltaSum, (d) => d / k) : undefined,
    timings: runner.finish(),
  };
}
