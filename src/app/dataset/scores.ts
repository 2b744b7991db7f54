/**
 * `evaluate --dataset`: the metrics of a run spec scored on one chunk's attributions, one
 * score per image and metric, through the library's evaluate() (the same code as
 * `saliency evaluate`), with robustness metrics re-explaining through the run's own method.
 * Random draws come from the chunk's seed, so a chunk scores the same wherever it runs.
 */
import type { Model } from '../../engine/model.js';
import type { BuiltBaseline } from '../../baselines/build.js';
import type { ResolvedPreprocessing } from '../../io/preprocess.js';
import { evaluate } from '../../metrics/evaluate.js';
import { BadInputError } from '../errors.js';
import type { RunPlan } from '../plan.js';
import type { RunSpec } from './spec.js';

export interface ChunkScoring {
  spec: RunSpec;
  seed: number;
  /** Values per input. */
  per: number;
  /** Images in the chunk (readable ones). */
  n: number;
  prep: ResolvedPreprocessing;
}

/** Per metric, the chunk's scores (one per image); {} when the spec has no metrics. */
export async function scoreChunk(
  model: Model,
  batch: Float32Array,
  values: Float32Array,
  classes: readonly number[],
  plan: RunPlan,
  built: BuiltBaseline | undefined,
  c: ChunkScoring,
): Promise<Record<string, number[]>> {
  const metrics = c.spec.metrics ?? [];
  if (metrics.length === 0) return {};
  if (values.length !== c.n * c.per) {
    throw new BadInputError(
      `run '${plan.id}' gives maps of ${values.length / c.n} values per image, not the input's ${c.per}: the metrics perturb input pixels and need a map at the input's resolution (for a CAM, keep its upsampling on)`,
    );
  }
  const explain = async (m: Model, x: Float32Array, target: unknown) =>
    (await plan.descriptor.run(m, x, plan.options, { target: target as number[], baseline: built?.baseline, preprocessing: c.prep, seed: c.seed, batchSize: c.spec.batchSize })).values;
  const e = await evaluate(model, batch, { [plan.id]: values }, metrics, {
    target: [...classes],
    preprocessing: c.prep,
    seed: c.seed,
    batchSize: c.spec.batchSize,
    metricOptions: c.spec.metricOptions,
    explain: { [plan.id]: explain },
  });
  return Object.fromEntries(e.rows.map((r) => [r.metric, r.scores]));
}
