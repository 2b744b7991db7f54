/**
 * `saliency compare`: several methods and baselines side by side on one or more images,
 * as a grid PNG and a self-contained HTML report (with the IG path figures and
 * convergence / saturation plots, timings and parameters, the model's top predictions).
 * Writes report.html, grid.png and compare.json into --out.
 */
import { cpus } from 'node:os';
import { sizeOfShape } from '../engine/model.js';
import { svgToPng } from '../io/image.js';
import { renderReport, type ReportData } from '../report/index.js';
import { UsageError } from '../app/errors.js';
import { inputRecords, modelRecord, parseRequest, runRecord, type ExplainOptions, type InputRecord, type RunRecord } from './explain.js';
import { legendBars } from './pictures.js';
import { Progress } from './progress.js';
import { computePath, planRuns, type RunSettings } from './run.js';
import { buildSection } from './section.js';
import { baselineFor, estimateAll, openSession, runAll, type Session } from './session.js';
import { OutputStage } from './staging.js';
import { isRandomBaseline, parseBaseline, type BaselineSpec } from './specs.js';

export interface CompareOptions extends Omit<ExplainOptions, 'input'> {
  /** Images that get the IG path figure (the first N); default 4, 0 for none. */
  paths?: string | number;
  title?: string;
  /** The command line, shown in the report. */
  command?: string;
}

export interface CompareRecord {
  tool: string;
  command: 'compare';
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

/** Report-wide facts: the machine and the software. */
export function environment(): Array<[string, string]> {
  const c = cpus();
  return [
    ['node', process.version],
    ['machine', `${process.platform}/${process.arch}, ${c.length} × ${c[0]?.model.trim() ?? 'cpu'}`],
  ];
}

export const READING_NOTES = [
  'Heat maps follow Sturmfels et al. (Distill 2020): the attribution is summed over colour channels, its absolute value taken, capped at the 99th percentile of the image and mapped to the inferno scale (black = none, yellow = most). Overlays draw that map over a grey copy of the input, more opaque where the attribution is larger.',
  'Signed maps keep the sign: green pixels raise the explained output, pink ones lower it (PiYG scale, white = 0, capped at the 99th percentile of |attribution|).',
  'δ is the completeness delta of path methods: Σφ − (f(x) − f(x′)). Integrated Gradients with enough steps makes it small; a large δ means too few steps. For baseline distributions (uniform, gaussian, training data) δ compares with the mean output over the drawn baselines: Σφ − (f(x) − mean f(x′)); Expected Gradients estimates the integral by sampling (a baseline and an α per sample), so its δ shrinks as 1/√samples. Gradient, Input × Gradient and SmoothGrad are not path methods and have no δ.',
  'Every method explains the same scalar: the logit of the class under "explains" (by default each image\'s top class), so maps across columns are comparable in sign and units.',
];

/** The first deterministic baseline given for IG (the path figure's), or black. */
export function pathBaseline(baselines: readonly BaselineSpec[]): BaselineSpec {
  return baselines.find((b) => !isRandomBaseline(b)) ?? parseBaseline('black');
}

export async function pathsFor(session: Session, rows: number[], spec: BaselineSpec, settings: RunSettings) {
  const per = sizeOfShape(session.opened.model.inputShape);
  const sub = new Float32Array(rows.length * per);
  rows.forEach((e, k) => sub.set(session.batch.subarray(e * per, (e + 1) * per), k * per));
  const made = await baselineFor(session, spec, settings.seed);
  session.progress.setLabel(`path (${spec.text})`);
  return computePath(
    session.model,
    sub,
    rows.map((e) => session.classes[e]),
    made,
    { ...settings, preprocessing: session.space, grid: 6, pathSteps: Math.min(settings.steps.steps, 100) },
  );
}

export async function compare(options: CompareOptions): Promise<CompareResult> {
  const t0 = performance.now();
  if ((options as ExplainOptions).input) throw new UsageError('compare draws pictures: give --image files (use explain --input for .npy batches)');
  const req = parseRequest(options, { methods: ['gradient', 'inputxgradient', 'smoothgrad', 'ig'], baselines: ['black'] });
  const pathCount = options.paths === undefined ? 4 : Number(options.paths);
  if (!Number.isInteger(pathCount) || pathCount < 0) throw new UsageError(`--paths must be a non-negative integer, got '${options.paths}'`);
  const plans = planRuns(req.methods, req.baselines);
  const progress = options.progress ?? new Progress();
  const session = await openSession({
    model: options.model,
    images: options.images,
    target: options.target === undefined ? undefined : String(options.target),
    batchSize: req.batchSize,
    preprocessing: options.preprocessing,
    progress,
  });
  try {
    const n = session.names.length;
    const pathRows = Array.from({ length: Math.min(n, pathCount) }, (_, i) => i);
    const spec = pathBaseline(req.baselines);
    const out = options.out ?? 'saliency-compare';
    const { result, files } = await OutputStage.run(out, async (stage) => {
      progress.begin(estimateAll(session, plans, req.settings) + pathRows.length * (Math.min(req.settings.steps.steps, 100) + 1));
      const outcomes = await runAll(session, plans, req.settings);
      const path = pathRows.length > 0 ? await pathsFor(session, pathRows, spec, req.settings) : undefined;
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
      const per = sizeOfShape(session.opened.model.inputShape);
      const record: CompareRecord = {
        tool: 'saliency-lab',
        command: 'compare',
        model: modelRecord(session),
        inputs: inputRecords(session),
        runs: outcomes.map((o) => runRecord(o, per)),
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
