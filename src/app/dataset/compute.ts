/**
 * One work item computed: images [chunk * chunkSize, ...) of a dataset read, predicted, and
 * every planned run (methods x baselines) computed on them. A chunk's numbers depend only
 * on the spec and the chunk number (random methods draw from seed + chunk), so the same
 * item computed in this process, a pool worker or a queue worker on another machine gives
 * the same bytes.
 */
import { openDataset, type DatasetSource } from '../../io/dataset.js';
import type { ResolvedPreprocessing } from '../../io/preprocess.js';
import { buildBaseline, type BuiltBaseline } from '../../baselines/build.js';
import { parseBaseline } from '../../baselines/spec.js';
import { sizeOfShape } from '../../engine/model.js';
import { BadInputError } from '../errors.js';
import { openModel, requireGradients, resolveFor, type OpenedModel } from '../model.js';
import { computeRun, planRuns, type RunPlan } from '../plan.js';
import { predict } from '../predict.js';
import { scoreChunk } from './scores.js';
import type { RunSpec } from './spec.js';

/** One row of the results store: an image under one run (run '' for an image that could not be read). */
export interface ResultRow {
  index: number;
  name: string;
  /** The dataset's label (-1: none). */
  label: number;
  status: 'ok' | 'undecodable';
  error: string;
  predicted: number;
  probability: number;
  /** The class explained. */
  target: number;
  run: string;
  /** Row of this image in the run's shard of this chunk (-1: none). */
  shardRow: number;
  sum: number;
  /** Completeness delta, f(x), f(x'): NaN where the method does not define them. */
  delta: number;
  fx: number;
  fBaseline: number;
  /** `evaluate --dataset`: each metric's score of this image's attribution (none in an explain run). */
  scores: Record<string, number>;
}

export interface ChunkResult {
  chunk: number;
  rows: ResultRow[];
  /** Per run id: the attributions of the chunk's readable images, [m, ...inputShape]. */
  shards: Record<string, Float32Array>;
}

export interface Computer {
  spec: RunSpec;
  source: DatasetSource;
  inputShape: number[];
  plans: RunPlan[];
  /** Images the run covers (the dataset's size, or limit). */
  size: number;
  chunks: number;
  compute(chunk: number): Promise<ChunkResult>;
  dispose(): Promise<void>;
}

export async function openComputer(spec: RunSpec, options: { threads?: number } = {}): Promise<Computer> {
  const opened: OpenedModel = await openModel(spec.model, { batchSize: spec.batchSize, flags: spec.preprocessing, threads: options.threads });
  try {
    requireGradients(opened);
    const prep: ResolvedPreprocessing = resolveFor(opened);
    let source: DatasetSource;
    try {
      source = openDataset(spec.dataset, prep, { labels: spec.labels });
    } catch (e) {
      throw new BadInputError((e as Error).message);
    }
    const plans = planRuns(spec.methods, spec.baselines.map(parseBaseline), spec.options);
    const inputShape = [...opened.model.inputShape];
    const size = Math.min(source.size, spec.limit ?? Infinity);
    const baselines = new Map<string, BuiltBaseline>();
    const baselineOf = async (plan: RunPlan, seed: number) => {
      if (!plan.baseline) return undefined;
      const key = `${plan.id}|${seed}`;
      if (!baselines.has(key)) baselines.set(key, await buildBaseline(plan.baseline, { model: opened.model, preprocessing: prep, images: prep, seed }));
      return baselines.get(key);
    };
    const model = opened.model;
    return {
      spec,
      source,
      inputShape,
      plans,
      size,
      chunks: Math.ceil(size / spec.chunkSize),
      async compute(chunk) {
        const start = chunk * spec.chunkSize;
        const end = Math.min(size, start + spec.chunkSize);
        if (start >= end) throw new BadInputError(`chunk ${chunk} is past the end of the run (${size} images, ${Math.ceil(size / spec.chunkSize)} chunks)`);
        const { batch, ok, failed } = await source.read(start, end);
        const rows: ResultRow[] = failed.map((f) => ({
          index: f.index, name: f.name, label: f.label, status: 'undecodable', error: f.error, predicted: -1, probability: NaN, target: -1, run: '', shardRow: -1, sum: NaN, delta: NaN, fx: NaN, fBaseline: NaN, scores: {},
        }));
        const shards: Record<string, Float32Array> = {};
        if (ok.length > 0) {
          const { ranked } = await predict(model, batch, prep.labels, 1);
          const t = spec.target;
          const classes = ok.map((item, e) => (t === 'top1' ? ranked[e][0].class : t === 'label' ? item.label : Number(t)));
          const outputs = sizeOfShape(model.outputShape);
          const wrong = classes.find((c) => !Number.isInteger(c) || c < 0 || c >= outputs);
          if (wrong !== undefined) throw new BadInputError(`target class ${wrong} is out of range (the model has ${outputs} outputs${t === 'label' ? '; --target label needs a labelled dataset' : ''})`);
          const seed = (spec.seed + chunk) >>> 0;
          for (const plan of plans) {
            const built = await baselineOf(plan, seed);
            const o = await computeRun(model, batch, classes, plan, built, { seed, batchSize: spec.batchSize, preprocessing: prep });
            shards[plan.id] = o.attribution.values;
            const per = sizeOfShape(inputShape);
            const scores = await scoreChunk(model, batch, o.attribution.values, classes, plan, built, { spec, seed, per, n: ok.length, prep });
            ok.forEach((item, e) => {
              let sum = 0;
              for (let j = e * per; j < (e + 1) * per; j++) sum += o.attribution.values[j];
              rows.push({
                index: item.index, name: item.name, label: item.label, status: 'ok', error: '', predicted: ranked[e][0].class, probability: ranked[e][0].probability,
                target: classes[e], run: plan.id, shardRow: e, sum, delta: o.delta?.[e] ?? NaN, fx: o.outputs?.input[e] ?? NaN, fBaseline: o.outputs?.baseline[e] ?? NaN,
                scores: Object.fromEntries(Object.entries(scores).map(([metric, v]) => [metric, v[e]])),
              });
            });
          }
        }
        rows.sort((a, b) => a.index - b.index || (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
        return { chunk, rows, shards };
      },
      dispose: () => opened.dispose(),
    };
  } catch (e) {
    await opened.dispose();
    throw e;
  }
}
