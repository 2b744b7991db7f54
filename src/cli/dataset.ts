/**
 * `saliency explain --dataset SRC` (a dataset run: streaming, resumable, on a worker pool or
 * through Redis) and `saliency worker --redis URL` (a queue worker). Progress on stderr:
 * chunks, images, throughput and ETA, one line a chunk (rewritten in place on a terminal).
 */
import { runDataset, type DatasetRunResult } from '../app/dataset/run.js';
import type { RunSpec } from '../app/dataset/spec.js';
import { parseRequest, splitList, type VerbOptions } from '../app/request.js';
import { UsageError } from '../app/errors.js';
import { metricOptionsFromFlags, parseMetrics } from '../app/evaluation.js';
import type { FlagValues } from '../app/plan.js';
import { positiveInteger } from './flags.js';

export interface DatasetExplainOptions extends VerbOptions {
  dataset: string;
  datasetLabels?: string;
  out?: string;
  workers?: string | number;
  redis?: string;
  chunkSize?: string | number;
  limit?: string | number;
  quiet?: boolean;
}


/** Flags given (undefined ones dropped; none: undefined), so the same command gives the same run id. */
function given<T extends object>(flags: T | undefined): T | undefined {
  const entries = Object.entries(flags ?? {}).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

const clock = (s: number) => (!Number.isFinite(s) ? '?' : s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`);

export interface DatasetEvaluateOptions extends DatasetExplainOptions {
  /** Metric names (comma lists allowed); default deletion,insertion. */
  metrics?: string[];
  /** Metric option flags by flag name ('deletion-steps'), as `saliency evaluate` takes them. */
  metricOptions?: FlagValues;
}

/** `saliency evaluate --dataset SRC`: a dataset run whose rows also carry each metric's score. */
export async function evaluateDataset(o: DatasetEvaluateOptions): Promise<DatasetRunResult> {
  const metrics = parseMetrics(splitList(o.metrics && o.metrics.length ? o.metrics : ['deletion', 'insertion']), false);
  return explainDataset(o, { metrics: metrics.map((d) => d.name), metricOptions: metricOptionsFromFlags(metrics, o.metricOptions ?? {}) });
}

export async function explainDataset(o: DatasetExplainOptions, scoring: Pick<RunSpec, 'metrics' | 'metricOptions'> = {}): Promise<DatasetRunResult> {
  const req = parseRequest(o, { methods: ['ig'], baselines: ['black'] });
  const target = o.target === undefined ? 'top1' : String(o.target);
  if (!/^(top1|label|\d+)$/.test(target)) throw new UsageError(`with --dataset, --target must be top1, label (the dataset's labels) or a class index, got '${target}'`);
  const spec: RunSpec = {
    model: o.model,
    dataset: o.dataset,
    labels: o.datasetLabels,
    methods: splitList(o.methods && o.methods.length ? o.methods : ['ig']),
    baselines: splitList(o.baselines && o.baselines.length ? o.baselines : ['black']),
    options: req.flags,
    target,
    seed: req.seed,
    batchSize: req.batchSize,
    chunkSize: positiveInteger('chunk-size', o.chunkSize) ?? 32,
    limit: positiveInteger('limit', o.limit),
    preprocessing: given(o.preprocessing),
    ...(scoring.metrics ? { metrics: scoring.metrics, metricOptions: scoring.metricOptions } : {}),
  };
  const workers = o.workers === undefined || o.workers === 'auto' ? 'auto' : positiveInteger('workers', o.workers)!;
  const tty = Boolean(process.stderr.isTTY);
  return runDataset({
    spec,
    out: o.out ?? 'saliency-dataset',
    workers,
    redis: o.redis,
    // pacing for tests that kill a run mid-way (src/app/dataset/run.test.ts)
    paceMs: Number(process.env['SALIENCY_DATASET_PACE_MS'] ?? 0) || undefined,
    onProgress: o.quiet
      ? undefined
      : (p) => {
          const line = `dataset  chunk ${p.chunksDone}/${p.chunks}  ${p.imagesDone}/${p.images} images  ${p.imagesPerSecond.toFixed(1)} img/s  ETA ${clock(p.etaSeconds)}`;
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        },
  }).finally(() => {
    if (tty && !o.quiet) process.stderr.write('\n');
  });
}

export function describeDatasetRun(r: DatasetRunResult): string {
  if (!r.summary) return `stopped after ${r.chunksComputed} chunks; run the same command again to resume (${r.out})`;
  const s = r.summary;
  const lines = [`${s.images} images, ${s.undecodable.length} could not be read, ${s.failedWorkItems} failed work items (${s.timings.mode}, ${s.timings.workers} worker(s), ${s.timings.imagesPerSecond.toFixed(1)} images/s)`];
  for (const run of s.runs) {
    lines.push(`${run.run.padEnd(16)} ${run.images} images  accuracy ${run.accuracy === undefined ? 'n/a' : (100 * run.accuracy).toFixed(1) + '%'}  max |delta| ${run.maxAbsDelta?.toExponential(2) ?? 'n/a'}`);
    for (const [m, v] of Object.entries(run.metrics ?? {})) lines.push(`${''.padEnd(16)} ${m.padEnd(26)} ${v.mean.toPrecision(4)} ± ${v.sd.toPrecision(3)} (${v.count} images)`);
  }
  lines.push(`results in ${r.out}/ (rows/*.arrow, shards/, summary.md)`);
  return lines.join('\n');
}

/** `saliency worker --redis URL`: compute queued work items until interrupted (SIGINT/SIGTERM). */
export async function worker(o: { redis: string; threads?: string | number; lockMs?: string | number; log?: (line: string) => void }): Promise<void> {
  const { startWorker } = await import('../app/dataset/queue.js');
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const w = startWorker(o.redis, {
    threads: positiveInteger('threads', o.threads),
    lockMs: positiveInteger('lock-ms', o.lockMs),
    onFailure: (id, m) => log(`job ${id ?? '?'} failed: ${m}`),
    onDone: (id) => log(`job ${id} done`),
  });
  log(`worker ${process.pid} waiting for work items on ${o.redis}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await w.close();
}

/** explain's dataset flags as commander gives them. */
export interface DatasetFlags {
  dataset?: string;
  datasetLabels?: string;
  workers?: string;
  redis?: string;
  chunkSize?: string;
  limit?: string;
}
