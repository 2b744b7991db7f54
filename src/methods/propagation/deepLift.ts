/**
 * DeepLIFT with the rescale rule (Shrikumar et al. 2017), as Captum's DeepLift computes it:
 * each input and its baseline go through the model in one batch (inputs first, baselines
 * second), the 'deeplift' rule set (graph/rules/deeplift.ts) replaces each nonlinearity's
 * derivative by (y - y') / (x - x'), and phi = (x - x') * multipliers. Completeness:
 * sum(phi) = f(x) - f(x') exactly (up to float rounding), for any baseline; `delta` is
 * sum(phi) - (f(x) - f(x')).
 *
 * The pairing lives in the batch, so a model call must receive the whole batch: pairs go
 * through in chunks of at most half the model's batch size.
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { describeBaseline, drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { constantBaseline } from '../../baselines/constant.js';
import { rngFor } from '../../random.js';
import type { Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner, remapTarget } from '../runner.js';

export interface DeepLiftOptions extends CommonOptions {
  /** Default: black in pixel space (zeros when the preprocessing and range are unknown, as Captum). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Seed for random baselines (one draw per input). Default 0. */
  seed?: number;
}

export interface DeepLiftResult extends Attribution {
  delta: Float32Array;
}

/** Pairs per model call: half the batch (the model must not split it). */
export function pairsPerCall(model: Model, runner: Runner): number {
  const modelBatch = (model as { batchSize?: number }).batchSize ?? Infinity;
  const m = Math.floor(Math.min(runner.batch, modelBatch) / 2);
  if (m < 1) throw new Error('DeepLIFT sends each input with its baseline in one batch: use a batchSize of at least 2');
  return m;
}

/**
 * Stream `count` (input, baseline) pairs: fill(i, x, b) writes pair i, explained as input
 * exampleOf(i); consume gets phi = (x - b) * multipliers and f(x), f(b) for pairs start.. start+m-1.
 */
export async function deepLiftPairs(
  model: Model,
  runner: Runner,
  count: number,
  exampleOf: (i: number) => number,
  fill: (i: number, x: Float32Array, b: Float32Array) => void,
  consume: (start: number, m: number, phi: Float32Array, fx: Float32Array, fb: Float32Array) => void,
): Promise<void> {
  const per = runner.per;
  const chunk = Math.min(pairsPerCall(model, runner), count);
  const buffer = new Float32Array(2 * chunk * per);
  for (let start = 0; start < count; start += chunk) {
    const m = Math.min(chunk, count - start);
    const points = buffer.subarray(0, 2 * m * per);
    for (let i = 0; i < m; i++) fill(start + i, points.subarray(i * per, (i + 1) * per), points.subarray((m + i) * per, (m + i + 1) * per));
    const t0 = performance.now();
    const r = await model.run(points, {
      gradients: { seed: remapTarget(runner.target, (i) => exampleOf(start + (i % m))), wrt: ['input'], rule: 'deeplift' },
    });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    runner.timings.backwardExamples += 2 * m;
    const g = r['grad:input'];
    const phi = new Float32Array(m * per);
    for (let j = 0; j < m * per; j++) phi[j] = Math.fround(points[j] - points[m * per + j]) * g[j];
    consume(start, m, phi, r['target'].subarray(0, m), r['target'].subarray(m, 2 * m));
  }
}

export async function deepLift(model: Model, input: Float32Array, options: DeepLiftOptions = {}): Promise<DeepLiftResult> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const seed = options.seed ?? 0;
  const spec = options.baseline ?? constantBaseline(model, 'black', options.preprocessing);
  const baselines = drawBaselines(spec, input, per, (e) => rngFor(seed, e));
  const values = new Float32Array(n * per);
  const delta = new Float32Array(n);
  await deepLiftPairs(
    model,
    runner,
    n,
    (i) => i,
    (i, x, b) => {
      x.set(input.subarray(i * per, (i + 1) * per));
      b.set(baselines.subarray(i * per, (i + 1) * per));
    },
    (start, m, phi, fx, fb) => {
      values.set(phi, start * per);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = i * per; j < (i + 1) * per; j++) s += phi[j];
        delta[start + i] = s - (fx[i] - fb[i]);
      }
    },
  );
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'deepLift',
    params: { baseline: describeBaseline(spec), seed, batchSize: runner.batch },
    target: target.label,
    delta,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'deeplift',
  aliases: ['deepliftrescale'],
  title: 'DeepLIFT',
  family: 'propagation',
  summary: 'DeepLIFT rescale rule: multipliers (y - y\') / (x - x\') through nonlinearities, times x - x\' (Shrikumar et al. 2017)',
  needs: { gradients: true, baseline: true, rule: true },
  options: {},
  random: (_o, cost) => cost.randomBaseline,
  cost: (n) => 2 * n,
  run: (model, input, _o, context) =>
    deepLift(model, input, {
      target: context.target,
      batchSize: context.batchSize,
      baseline: context.baseline,
      preprocessing: context.preprocessing,
      seed: context.seed,
    }),
  order: 30,
});
