/**
 * One model's part of the report (src/report) out of a session and its runs: the grid
 * (input, prediction, one picture per run with the prediction and delta under it), the
 * IG path figures with their plots, the methods with parameters and timings; and the
 * same grid as an SVG (viz/grid) for the PNG beside the report.
 */
import type { PathData } from '../methods/index.js';
import type { ReportCell, ReportColumn, ReportPath, ReportRow, ReportSection } from '../report/types.js';
import { targetLabelFor } from '../targets/spec.js';
import { convergencePlot, formatNumber, gridSvg, pathCurves, saturationPlot, type GridCell, type GridRow } from '../viz/index.js';
import { mapKindOf, pictureOf } from './maps.js';
import { dataUri, displayAspect, panelsOf, pathPictures } from './pictures.js';
import type { RunOutcome } from './plan.js';
import { labelOf, type Session } from './session.js';

export interface SectionOptions {
  id: string;
  title: string;
  description?: string;
  /** The true class of each row, when known. */
  truth?: (string | undefined)[];
  /** Path data of some rows (path example k is row rows[k]), under `baseline`. */
  paths?: { data: PathData; rows: number[]; baseline: string; open?: number };
  notes?: string[];
  /** Side the report's cell pictures are encoded at (CSS shows them at 148 px). */
  cellSide?: number;
  /** The grid PNG's file name (linked from the report). */
  gridPng?: string;
  /** How the model is named in the report (default: as given). */
  modelLabel?: string;
  wallMs?: number;
}

function pct(p: number): string {
  return p > 0 && p < 0.001 ? '<0.1%' : `${(100 * p).toFixed(1)}%`;
}

/** Lines under a cell: the prediction (and the class explained when it differs), then the delta. */
function captionOf(session: Session, e: number, o: RunOutcome): string[] {
  const pred = session.predictions[e][0];
  const lines = [`${pred.label} ${pct(pred.probability)}`];
  // a target beyond one class (detection, box, segment, similarity) is named, not a class
  if (session.target) lines[0] = targetLabelFor(session.target, e);
  else if (session.classes[e] !== pred.class) lines[0] = `explains ${labelOf(session, session.classes[e])}`;
  const d = o.delta?.[e];
  const rel = relativeDelta(o, e);
  lines.push(d === undefined || !Number.isFinite(d) ? 'δ –' : `δ = ${formatNumber(d)}${rel === undefined ? '' : ` (${formatPercent(rel)})`}`);
  return lines;
}

/** |δ| / |f(x) − f(x′)| of input e, where the run reports f(x) and f(x′) (Integrated Gradients). */
export function relativeDelta(o: RunOutcome, e: number): number | undefined {
  if (!o.delta || !o.outputs) return undefined;
  return Math.abs(o.delta[e]) / Math.max(1e-12, Math.abs(o.outputs.input[e] - o.outputs.baseline[e]));
}

/** The largest relative δ of a run over its inputs (undefined when the run has none). */
export function maxRelativeDelta(o: RunOutcome): number | undefined {
  const n = o.delta?.length ?? 0;
  let worst: number | undefined;
  for (let e = 0; e < n; e++) {
    const r = relativeDelta(o, e);
    if (r !== undefined) worst = Math.max(worst ?? 0, r);
  }
  return worst;
}

function formatPercent(r: number): string {
  const p = 100 * r;
  return p < 0.1 ? '<0.1%' : p < 10 ? `${p.toFixed(1)}%` : `${p.toFixed(0)}%`;
}

function hoverOf(o: RunOutcome, e: number, n: number): string {
  const a = o.attribution;
  const per = a.values.length / n;
  let sum = 0;
  for (let j = e * per; j < (e + 1) * per; j++) sum += a.values[j];
  const parts = [`${o.plan.title}${o.plan.subtitle ? ` (${o.plan.subtitle})` : ''}`, `Σφ = ${formatNumber(sum, 4)}`];
  if (o.outputs) parts.push(`f(x) = ${formatNumber(o.outputs.input[e], 4)}`, `f(x′) = ${formatNumber(o.outputs.baseline[e], 4)}`);
  if (o.delta) parts.push(`δ = ${formatNumber(o.delta[e], 3)}`);
  const rel = relativeDelta(o, e);
  if (rel !== undefined) parts.push(`|δ| / |f(x) − f(x′)| = ${formatPercent(rel)}`);
  if (o.stepsUsed) parts.push(`steps = ${o.stepsUsed[e]}`);
  return parts.join(' · ');
}

function columnOf(o: RunOutcome, n: number): ReportColumn {
  const a = o.attribution;
  let meanAbsDelta: number | undefined;
  let meanRelativeDelta: number | undefined;
  if (o.delta) {
    meanAbsDelta = Array.from(o.delta).reduce((s, d) => s + Math.abs(d), 0) / n;
    if (o.outputs) {
      let rel = 0;
      for (let e = 0; e < n; e++) rel += Math.abs(o.delta[e]) / Math.max(1e-12, Math.abs(o.outputs.input[e] - o.outputs.baseline[e]));
      meanRelativeDelta = rel / n;
    }
  }
  return {
    id: o.plan.id,
    title: o.plan.title,
    subtitle: o.plan.subtitle,
    method: a.method,
    params: a.params,
    baseline: o.baseline?.description,
    timings: { wallMs: o.wallMs, modelMs: a.timings.modelMs, evaluations: a.timings.forwardExamples + a.timings.backwardExamples },
    meanAbsDelta,
    meanRelativeDelta,
  };
}

function preprocessingText(session: Session): string | undefined {
  const p = session.prep;
  if (!p) return undefined;
  const norm = (v: number | number[]) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
  const resize = p.resize === 'crop' ? `resize + centre crop${p.cropFraction < 1 ? ` (${p.cropFraction})` : ''}` : p.resize === 'pad' ? 'fit + pad' : 'stretched (no crop)';
  return `${p.height}×${p.width} ${p.channels}, ${resize}, ${p.layout}, pixels in [${p.pixelRange.join(', ')}], mean ${norm(p.mean)}, std ${norm(p.std)}`;
}

export async function buildSection(session: Session, outcomes: readonly RunOutcome[], options: SectionOptions): Promise<{ section: ReportSection; gridSvg: string }> {
  const inputShape = session.opened.model.inputShape;
  const n = session.names.length;
  const prep = session.prep!;
  const images = session.images!;
  const side = options.cellSide ?? 296;
  const rows: ReportRow[] = [];
  const gridRows: GridRow[] = [];
  const kinds = outcomes.map((o) => mapKindOf(o.attribution, n, inputShape));
  // grey images: the heat map itself says more than an overlay on a grey garment (the PNG and the report agree)
  const view = prep.channels === 'L' ? 'heatmap' : 'overlay';
  for (let e = 0; e < n; e++) {
    const img = images[e];
    const aspect = displayAspect(prep, img.source);
    // small pictures (28x28) are enlarged by whole pixels for crisp 2x display; photos stay at the model's size
    const display = { minSide: Math.max(img.picture.width, img.picture.height) >= side / 2 ? 1 : side, aspect, format: 'auto' as const };
    const cells: (ReportCell | null)[] = [];
    const gridCells: (GridCell | null)[] = [];
    for (const [j, o] of outcomes.entries()) {
      const pic = pictureOf(o.attribution, kinds[j], n, inputShape, prep.shape, e);
      const caption = captionOf(session, e, o);
      if (!pic) {
        // a layer attribution at a non-spatial layer: numbers, no picture
        cells.push(null);
        gridCells.push(null);
        continue;
      }
      const p = panelsOf(pic.values, prep, img.picture, pic.shape);
      cells.push({
        overlay: await dataUri(p.overlay!, display),
        heatmap: await dataUri(p.heatmap.image, display),
        signed: await dataUri(p.signed.image, display),
        caption: kinds[j].resolution === 'layer' ? [...caption, `layer map ${kinds[j].picture!.height}×${kinds[j].picture!.width}`] : caption,
        title: hoverOf(o, e, n) + (kinds[j].note ? ` · ${kinds[j].note}` : ''),
      });
      gridCells.push({ image: await dataUri(view === 'heatmap' ? p.heatmap.image : p.overlay!, { minSide: 160, aspect, format: 'auto' }), caption });
    }
    const top = session.predictions[e];
    rows.push({
      name: session.files ? (session.files[e].split('/').pop() ?? session.names[e]) : session.names[e],
      input: await dataUri(img.picture, display),
      truth: options.truth?.[e],
      target: session.target ? targetLabelFor(session.target, e) : labelOf(session, session.classes[e]),
      top: top.map((p) => ({ class: p.class, label: p.label, probability: p.probability })),
      cells,
    });
    gridRows.push({
      label: `${session.names[e]}\n${top[0].label} ${pct(top[0].probability)}`,
      cells: [{ image: await dataUri(img.picture, { minSide: 160, aspect, format: 'auto' }), caption: options.truth?.[e] ? [`true: ${options.truth[e]}`] : [] }, ...gridCells],
    });
  }

  const paths: ReportPath[] = [];
  if (options.paths) {
    const { data, rows: which, baseline } = options.paths;
    for (const [k, e] of which.entries()) {
      const display = { minSide: 156, aspect: displayAspect(prep, images[e].source), format: 'auto' as const };
      const pics = await pathPictures(data, k, session.opened.model, prep, display);
      const curves = pathCurves(data, k);
      paths.push({
        name: rows[e].name,
        baseline,
        target: rows[e].target,
        alphas: pics.alphas,
        inputs: pics.inputs,
        gradients: pics.gradients,
        cumulative: pics.cumulative,
        // the report draws the legends in HTML (long series names collide in the SVG's two-column legend)
        convergence: convergencePlot(curves, { width: 480, height: 300, legend: false }),
        saturation: saturationPlot(curves, { width: 480, height: 300, legend: false }),
        fx: curves.fx,
        fBaseline: curves.fBaseline,
        attributionSum: curves.attributionSum[curves.attributionSum.length - 1],
        open: k < (options.paths.open ?? 2),
      });
    }
  }

  const info = session.opened.info;
  const details: Array<[string, string]> = [];
  const prepText = preprocessingText(session);
  if (prepText) details.push(['preprocessing', prepText]);
  if (session.labels) details.push(['classes', `${session.labels.length} (${session.labels.slice(0, 6).join(', ')}${session.labels.length > 6 ? ', …' : ''})`]);
  if (info.opset !== undefined) details.push(['opset', String(info.opset)]);
  const ops = Object.keys(info.ops);
  if (ops.length > 0) details.push(['ops', ops.length <= 12 ? ops.join(' ') : `${ops.length} op types`]);
  details.push(['model load + predict', `${(session.loadMs + session.predictMs).toFixed(0)} ms`]);

  const columns = outcomes.map((o, j) => ({ ...columnOf(o, n), values: kinds[j].note }));
  const section: ReportSection = {
    id: options.id,
    title: options.title,
    description: options.description,
    defaultView: view,
    model: { spec: options.modelLabel ?? session.opened.spec, format: info.format, inputShape: [...inputShape], outputShape: [...session.opened.model.outputShape], details },
    columns,
    rows,
    paths,
    gridPng: options.gridPng,
    notes: options.notes,
    wallMs: options.wallMs,
  };
  const svg = gridSvg({
    title: options.title,
    columns: ['input', ...outcomes.map((o) => (o.plan.subtitle ? `${o.plan.title}\n${o.plan.subtitle}` : o.plan.title))],
    rows: gridRows,
    cellSize: 140,
    labelWidth: 150,
  });
  return { section, gridSvg: svg };
}
