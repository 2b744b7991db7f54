/**
 * `saliency compare`: several methods and baselines side by side on one or more images,
 * as a grid PNG and a self-contained HTML report (with the IG path figures and
 * convergence / saturation plots, timings and parameters, the model's top predictions).
 * Writes report.html, grid.png and compare.json into --out.
 */
import { svgToPng } from '../io/image.js';
import { environment, READING_NOTES, renderReport, type ReportData } from '../report/index.js';
import { UsageError } from '../app/errors.js';
import { legendBars } from '../app/pictures.js';
import { pathBaseline, pathCost, pathsFor } from '../app/paths.js';
import { inputRecords, modelRecord, runRecord, type InputRecord, type RunRecord } from '../app/records.js';
import { parseRequest, parseSteps, type VerbOptions } from '../app/request.js';
import { buildSection } from '../app/section.js';
import { contextOf, estimateAll, openSession, runAll } from '../app/session.js';
import { Progress } from './progress.js';
import { OutputStage } from './staging.js';
import { describeAssumptions, type Assumption } from '../io/preprocess.js';

export interface CompareOptions extends VerbOptions {
  /** Output directory; default './saliency-compare'. */
  out?: string;
  /** Images that get the IG path figure (the first N); default 4, 0 for none. */
  paths?: string | number;
  title?: string;
  /** The command line, shown in the report. */
  command?: string;
}

export interface CompareRecord {
  tool: string;
  command: 'compare';
  /** Everything the tool chose because nothing said it (see explain.json). */
  assumptions: Assumption[];
  model: ReturnType<typeof modelRecord>;
  inputs: InputRecord[];
  runs: RunRecord[];
  paths: Array<{ input: number; baseline: string; fx: number; fBaseline: number; attributionSum: number }>;
  timings: { loadMs: number; predictMs: number; totalMs: number };
}

export interface CompareResult {
  record: CompareRecord;
  out: string;
  files: string[];
  report: string;
}

/** Steps of the path figure: IG's --steps (or its default; 'auto' from its start), at most 100. */
function pathSteps(flags: Record<string, unknown>): number {
  return Math.min(parseSteps(flags['steps'] === undefined ? undefined : String(flags['steps'])).steps, 100);
}

export async function compare(options: CompareOptions): Promise<CompareResult> {
  const t0 = performance.now();
  if ((options as { input?: string }).input) throw new UsageError('compare draws pictures: give --image files (use explain --input for .npy batches)');
  const req = parseRequest(options, { methods: ['gradient', 'inputxgradient', 'smoothgrad', 'ig'], baselines: ['black'] });
  const pathCount = options.paths === undefined ? 4 : Number(options.paths);
  if (!Number.isInteger(pathCount) || pathCount < 0) throw new UsageError(`--paths must be a non-negative integer, got '${options.paths}'`);
  const plans = req.plans;
  const progress = options.progress ?? new Progress();
  const session = await openSession({
    model: options.model,
    images: options.images,
    target: options.target === undefined ? undefined : String(options.target),
    mask: options.mask,
    batchSize: req.batchSize,
    preprocessing: options.preprocessing,
    output: options.output,
    progress,
  });
  for (const line of describeAssumptions(session.assumptions)) options.onNote?.(`assuming ${line}`);
  try {
    const n = session.names.length;
    const pathRows = Array.from({ length: Math.min(n, pathCount) }, (_, i) => i);
    const spec = await pathBaseline(session, req.baselines, req.seed);
    const steps = pathSteps(req.flags);
    const out = options.out ?? 'saliency-compare';
    const { result, files } = await OutputStage.run(out, async (stage) => {
      progress.begin((await estimateAll(session, plans, req.seed)) + pathCost(pathRows.length, steps));
      const outcomes = await runAll(session, plans, contextOf(session, req.seed, req.batchSize));
      const path = pathRows.length > 0 ? await pathsFor(session, pathRows, spec, { seed: req.seed, batchSize: req.batchSize, steps }) : undefined;
      progress.end();
      const title = options.title ?? `${session.opened.name}: ${plans.length} attribution${plans.length > 1 ? 's' : ''} of ${n} image${n > 1 ? 's' : ''}`;
      const { section, gridSvg } = await buildSection(session, outcomes, {
        id: 'compare',
        title,
        paths: path ? { data: path, rows: pathRows, baseline: spec.text } : undefined,
        gridPng: 'grid.png',
      });
      await svgToPng(gridSvg, stage.path('grid.png'));
      const data: ReportData = {
        title: 'Saliency Lab · comparison',
        subtitle: `What ${session.opened.name} looks at, by ${plans.length} attribution method/baseline combinations.`,
        generated: new Date().toISOString(),
        command: options.command,
        environment: environment(),
        totalMs: performance.now() - t0,
        sections: [section],
        legend: await legendBars(),
        notes: READING_NOTES,
      };
      stage.write('report.html', renderReport(data));
      const record: CompareRecord = {
        tool: 'saliency-lab',
        command: 'compare',
        model: modelRecord(session),
        inputs: inputRecords(session),
        assumptions: session.assumptions,
        runs: outcomes.map((o) => runRecord(o, n, session.opened.model.inputShape)),
        paths: section.paths.map((p, k) => ({ input: pathRows[k], baseline: p.baseline, fx: p.fx, fBaseline: p.fBaseline, attributionSum: p.attributionSum })),
        timings: { loadMs: session.loadMs, predictMs: session.predictMs, totalMs: performance.now() - t0 },
      };
      stage.write('compare.json', JSON.stringify(record, null, 2) + '\n');
      return record;
    });
    return { record: result, out, files, report: `${out}/report.html` };
  } finally {
    progress.end();
    await session.opened.dispose();
  }
}
