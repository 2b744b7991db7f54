/**
 * `saliency evaluate`: attributions of one model scored by metrics, as a table of methods
 * x metrics with the spread over the inputs (mean ± sd, median, min, max), the curves as
 * SVG plots, an HTML report (the attributions' grid, when images were given, then the
 * table and the curves), and evaluate.json. `--json` prints the record (its `table` is
 * the rows) on stdout. The library twin is `evaluate()` in src/metrics/evaluate.ts, with
 * the same metric options (`metricOptions` by metric name; the CLI's flags are
 * `--<metric>-<option>`).
 */
import { svgToPng } from '../io/image.js';
import type { MetricResult } from '../metrics/descriptor.js';
import { environment, READING_NOTES, renderReport, type ReportData, type ReportSection } from '../report/index.js';
import { evaluateRuns, metricOptionsFromFlags, metricsCost, parseMetrics, readMasks } from '../app/evaluation.js';
import { evaluationReport } from '../app/evaluationReport.js';
import { attackFigures } from '../app/attackFigures.js';
import { legendBars } from '../app/pictures.js';
import type { FlagValues } from '../app/plan.js';
import { inputRecords, modelRecord, runRecord, type InputRecord, type RunRecord } from '../app/records.js';
import { parseRequest, splitList, type VerbOptions } from '../app/request.js';
import { buildSection } from '../app/section.js';
import { contextOf, estimateAll, openSession, runAll } from '../app/session.js';
import type { EvaluationRow } from '../metrics/evaluate.js';
import { Progress } from './progress.js';
import { OutputStage } from './staging.js';

export interface EvaluateVerbOptions extends VerbOptions {
  /** A .npy of preprocessed inputs (instead of images). */
  input?: string;
  /** Metric names (or comma lists); default deletion, insertion. */
  metrics?: readonly string[];
  /** Metric options by flag name: { 'deletion-steps': 20, 'aopc-patch-size': '4' }. */
  metricOptions?: FlagValues;
  /** Ground-truth masks: a .npy, an image, or a directory of images named like the inputs. */
  mask?: string;
  /** Output directory; default './saliency-evaluate'. */
  out?: string;
  command?: string;
}

export interface EvaluateRecord {
  tool: string;
  command: 'evaluate';
  model: ReturnType<typeof modelRecord>;
  inputs: InputRecord[];
  runs: RunRecord[];
  metrics: Array<{ name: string; title: string; family: string; higherIsBetter?: boolean; options: Record<string, unknown> }>;
  /** Methods x metrics: spread over the inputs and the per-input scores. */
  table: EvaluationRow[];
  /** Per run id and metric: curves and details. */
  results: Record<string, Record<string, Omit<MetricResult, 'scores'>>>;
  /** Runs not scored, and why (maps at a layer's resolution). */
  skipped: Array<{ run: string; reason: string }>;
  timings: { loadMs: number; predictMs: number; totalMs: number };
}

export interface EvaluateResult {
  record: EvaluateRecord;
  out: string;
  files: string[];
  report: string;
}

export async function evaluateCommand(options: EvaluateVerbOptions): Promise<EvaluateResult> {
  const t0 = performance.now();
  const req = parseRequest(options, { methods: ['gradient', 'ig'], baselines: ['black'] });
  const metrics = parseMetrics(splitList(options.metrics?.length ? options.metrics : ['deletion,insertion']), Boolean(options.mask));
  const metricOptions = metricOptionsFromFlags(metrics, options.metricOptions ?? {});
  const progress = options.progress ?? new Progress();
  const session = await openSession({
    model: options.model,
    images: options.images,
    input: options.input,
    target: options.target === undefined ? undefined : String(options.target),
    batchSize: req.batchSize,
    preprocessing: options.preprocessing,
    progress,
  });
  try {
    const n = session.names.length;
    const inputShape = session.opened.model.inputShape;
    const groundTruth = options.mask ? await readMasks(options.mask, session.names, inputShape) : undefined;
    const out = options.out ?? 'saliency-evaluate';
    const { result, files } = await OutputStage.run(out, async (stage) => {
      progress.begin((await estimateAll(session, req.plans, req.seed)) + metricsCost(metrics, metricOptions, req.plans.length, n, inputShape));
      const outcomes = await runAll(session, req.plans, contextOf(session, req.seed, req.batchSize));
      const { evaluation, skipped } = await evaluateRuns(session, outcomes, { metrics, metricOptions, groundTruth, seed: req.seed, batchSize: req.batchSize });
      progress.end();
      const titles = Object.fromEntries(outcomes.map((o) => [o.plan.id, o.plan.subtitle ? `${o.plan.title} (${o.plan.subtitle})` : o.plan.title]));
      const report = evaluationReport(evaluation, {
        id: 'evaluation',
        title: `Evaluation: ${metrics.length} metric${metrics.length > 1 ? 's' : ''} × ${evaluation.methods.length} attribution${evaluation.methods.length > 1 ? 's' : ''}`,
        titles,
        notes: skipped.map((s) => `${s.run} not scored: ${s.reason}.`),
      });
      report.figures = await attackFigures(evaluation, { inputShape, preprocessing: session.space, names: session.names, titles });
      for (const p of report.plots) stage.write(`curve.${p.metric}.svg`, p.svg);
      const sections: ReportSection[] = [];
      if (session.images) {
        const { section, gridSvg } = await buildSection(session, outcomes, { id: 'attributions', title: `${session.opened.name}: the attributions scored`, gridPng: 'grid.png' });
        await svgToPng(gridSvg, stage.path('grid.png'));
        sections.push(section);
      }
      const data: ReportData = {
        title: 'Saliency Lab · evaluation',
        subtitle: `How far to trust ${evaluation.methods.length} attribution${evaluation.methods.length > 1 ? 's' : ''} of ${session.opened.name}, by ${metrics.map((d) => d.name).join(', ')}.`,
        generated: new Date().toISOString(),
        command: options.command,
        environment: environment(),
        totalMs: performance.now() - t0,
        sections,
        evaluations: [report],
        legend: await legendBars(),
        notes: sections.length ? READING_NOTES : undefined,
      };
      stage.write('report.html', renderReport(data));
      const results: EvaluateRecord['results'] = {};
      for (const [m, byMetric] of Object.entries(evaluation.results)) {
        results[m] = {};
        for (const [k, r] of Object.entries(byMetric)) {
          const { scores: _scores, ...rest } = r;
          results[m][k] = rest;
        }
      }
      const record: EvaluateRecord = {
        tool: 'saliency-lab',
        command: 'evaluate',
        model: modelRecord(session),
        inputs: inputRecords(session),
        runs: outcomes.map((o) => runRecord(o, n, inputShape)),
        metrics: metrics.map((d) => ({ name: d.name, title: d.title, family: d.family, higherIsBetter: d.higherIsBetter, options: { ...Object.fromEntries(Object.entries(d.options).map(([k, s]) => [k, (s as { default: unknown }).default])), ...(metricOptions[d.name] ?? {}) } })),
        table: evaluation.rows,
        results,
        skipped,
        timings: { loadMs: session.loadMs, predictMs: session.predictMs, totalMs: performance.now() - t0 },
      };
      stage.write('evaluate.json', JSON.stringify(record, null, 2) + '\n');
      return record;
    });
    return { record: result, out, files, report: `${out}/report.html` };
  } finally {
    progress.end();
    await session.opened.dispose();
  }
}

/** The human summary: the table (mean ± sd over the inputs), what was skipped, where the files are. */
export function describeEvaluate(r: EvaluateResult): string {
  const rec = r.record;
  const methods = [...new Set(rec.table.map((x) => x.method))];
  const head = ['method', ...rec.metrics.map((m) => (m.higherIsBetter === undefined ? m.name : `${m.name} ${m.higherIsBetter ? '↑' : '↓'}`))];
  const body = methods.map((m) => [
    m,
    ...rec.metrics.map((k) => {
      const row = rec.table.find((x) => x.method === m && x.metric === k.name)!;
      return row.count === 0 ? '–' : `${row.mean.toPrecision(4)} ± ${row.sd.toPrecision(2)}`;
    }),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) => cells.map((v, c) => v.padEnd(widths[c])).join('  ');
  const lines = [`mean ± sd over ${rec.inputs.length} input${rec.inputs.length > 1 ? 's' : ''}`, line(head), ...body.map(line)];
  for (const s of rec.skipped) lines.push(`skipped ${s.run}: ${s.reason}`);
  lines.push('', `wrote ${r.files.length} files to ${r.out}/ (report: ${r.report})`);
  return lines.join('\n');
}
