/**
 * The common start of a path method (integrated gradients and its guided variants):
 * example count, runner, resolved target, seed, and the baseline (spec, default a black
 * image in model units, and drawn values, example e from rngFor(seed, e)).
 */
import { countExamples, type Model } from '../engine/model.js';
import { drawBaselines, type Baseline } from '../baselines/baseline.js';
import { constantBaseline } from '../baselines/constant.js';
import type { Preprocessing } from '../engine/space.js';
import { rngFor } from '../random.js';
import type { CommonOptions } from './attribution.js';
import { Runner } from './runner.js';

export interface PathRunOptions extends CommonOptions {
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  seed?: number;
}

export async function startPathRun(model: Model, input: Float32Array, options: PathRunOptions) {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const seed = options.seed ?? 0;
  const baselineSpec = options.baseline ?? constantBaseline(model, 'black', options.preprocessing);
  const baselines = drawBaselines(baselineSpec, input, per, (e) => rngFor(seed, e));
  return { n, runner, per, target, seed, baselineSpec, baselines };
}
