/**
 * The summary of a finished dataset run, from the results store: per run, images
 * explained, images that could not be read, accuracy against the dataset's labels,
 * completeness deltas, attribution sums; as summary.json and a short summary.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultRow } from './compute.js';
import { spread, type Spread } from '../../metrics/evaluate.js';
import { summaryHtml } from './summaryHtml.js';

export interface RunSummary {
  run: string;
  images: number;
  /** Share of labelled images whose top class is their label. */
  accuracy?: number;
  meanAbsDelta?: number;
  maxAbsDelta?: number;
  meanSum: number;
  /** `evaluate --dataset`: per metric, the spread of the images' scores. */
  metrics?: Record<string, Spread>;
}

export interface DatasetSummary {
  images: number;
  undecodable: Array<{ index: number; name: string; error: string }>;
  runs: RunSummary[];
  failedWorkItems: number;
  timings: { wallMs: number; imagesPerSecond: number; workers: number; mode: string };
}

export function summarize(rows: readonly ResultRow[], failedWorkItems: number, timings: DatasetSummary['timings']): DatasetSummary {
  const byRun = new Map<string, ResultRow[]>();
  for (const r of rows) {
    if (r.status !== 'ok') continue;
    if (!byRun.has(r.run)) byRun.set(r.run, []);
    byRun.get(r.run)!.push(r);
  }
  const runs = [...byRun].map(([run, rs]): RunSummary => {
    const labelled = rs.filter((r) => r.label >= 0);
    const deltas = rs.map((r) => Math.abs(r.delta)).filter((d) => !Number.isNaN(d));
    return {
      run,
      images: rs.length,
      accuracy: labelled.length ? labelled.filter((r) => r.label === r.predicted).length / labelled.length : undefined,
      meanAbsDelta: deltas.length ? deltas.reduce((a, b) => a + b, 0) / deltas.length : undefined,
      maxAbsDelta: deltas.length ? deltas.reduce((a, b) => Math.max(a, b), 0) : undefined,
      meanSum: rs.reduce((a, r) => a + r.sum, 0) / rs.length,
      ...metricSpreads(rs),
    };
  });
  const undecodable = rows.filter((r) => r.status === 'undecodable').map((r) => ({ index: r.index, name: r.name, error: r.error }));
  const images = new Set(rows.map((r) => r.index)).size;
  return { images, undecodable, runs, failedWorkItems, timings };
}

function metricSpreads(rs: readonly ResultRow[]): { metrics?: Record<string, Spread> } {
  const names = [...new Set(rs.flatMap((r) => Object.keys(r.scores ?? {})))].sort();
  if (names.length === 0) return {};
  return { metrics: Object.fromEntries(names.map((m) => [m, spread(rs.map((r) => r.scores[m] ?? NaN))])) };
}

export function writeSummary(dir: string, s: DatasetSummary, rows: readonly ResultRow[] = []): void {
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(s, null, 2) + '\n');
  const f = (v: number | undefined, d = 4) => (v === undefined ? 'n/a' : v.toExponential(d > 3 ? 2 : d));
  const lines = [
    `# Dataset run`,
    '',
    `${s.images} images (${s.undecodable.length} could not be read), ${s.failedWorkItems} failed work items; ${s.timings.mode}, ${s.timings.workers} worker(s), ${s.timings.imagesPerSecond.toFixed(1)} images/s over ${(s.timings.wallMs / 1000).toFixed(1)} s.`,
    '',
    '| run | images | accuracy | mean abs delta | max abs delta | mean sum |',
    '| --- | --- | --- | --- | --- | --- |',
    ...s.runs.map((r) => `| ${r.run} | ${r.images} | ${r.accuracy === undefined ? 'n/a' : (100 * r.accuracy).toFixed(1) + '%'} | ${f(r.meanAbsDelta)} | ${f(r.maxAbsDelta)} | ${r.meanSum.toFixed(4)} |`),
    '',
    'Rows: rows/*.arrow (Arrow IPC, one file per chunk); attributions: shards/<run>/attr-*.npy.',
  ];
  const scored = s.runs.filter((r) => r.metrics);
  if (scored.length) {
    const g = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : 'n/a');
    lines.push('', '## Metrics (mean ± sd over the images; median; images scored)', '', '| run | metric | mean ± sd | median | min | max | images |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of scored) for (const [m, v] of Object.entries(r.metrics!)) lines.push(`| ${r.run} | ${m} | ${g(v.mean)} ± ${g(v.sd)} | ${g(v.median)} | ${g(v.min)} | ${g(v.max)} | ${v.count} |`);
    lines.push('', 'Per-image scores: the score:<metric> columns of rows/*.arrow.');
  }
  if (s.undecodable.length) lines.push('', '## Images that could not be read', '', ...s.undecodable.slice(0, 50).map((u) => `- ${u.name}: ${u.error}`));
  writeFileSync(join(dir, 'summary.md'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'summary.html'), summaryHtml(s, rows));
}
