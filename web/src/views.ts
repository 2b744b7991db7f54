/**
 * The page's other views: the baselines grid and the methods grid (methods and options
 * from the registry's catalogue), the evaluation curves of the current map (curve metrics
 * from the registry: deletion, insertion, the article's top-k ablation) and the
 * Structured Attention Graph. All computed and drawn in the worker; for a model on the
 * server, the grids, the curves and the SAG ask the server.
 */
import { $, cell, el, showSvg } from './draw.js';
import { BASELINES, parseFlags } from './model.js';
import { compute, progress, state, status, type Computed } from './page.js';
import { explainOnServer } from './server.js';
import { metricCurvePlot } from '../../src/viz/curvePlots.js';
import type { CurveView } from './protocol.js';

/** Methods ticked at first in the methods grid. */
const FIRST_METHODS = ['gradient', 'inputxgradient', 'smoothgrad', 'ig', 'gradcam', 'occlusion'];
/** Curve metrics offered, those ticked at first: deletion, insertion and the article's top-k ablation. */
const CURVE_METRICS = ['deletion', 'insertion', 'topk-ablation', 'pixel-flipping', 'irof', 'road'];
const FIRST_METRICS = CURVE_METRICS.slice(0, 3);

function pick(box: HTMLElement, name: string, title: string, checked: boolean, placeholder: string, summary: string): void {
  const row = el('label', { class: 'pick', title: summary });
  const box1 = el('input', { type: 'checkbox', 'data-name': name });
  box1.checked = checked;
  row.append(box1, el('span', {}, title), el('input', { type: 'text', 'data-options': name, placeholder }));
  box.append(row);
}

/** The checkboxes of the methods and metrics grids, from the catalogue. */
export function renderPicks(): void {
  const c = state.catalogue!;
  const methods = $('method-picks');
  for (const m of c.methods) pick(methods, m.name, m.title, FIRST_METHODS.includes(m.name), m.options.map((o) => `${o.flag.slice(2)}=${o.default}`).join(' '), m.summary);
  const metrics = $('metric-picks');
  for (const name of CURVE_METRICS) {
    const m = c.metrics.find((x) => x.name === name);
    if (m) pick(metrics, m.name, m.title, FIRST_METRICS.includes(m.name), m.options.map((o) => `${o.flag.slice(2)}=${o.default}`).join(' '), m.summary);
  }
}

function picked(box: HTMLElement): Array<{ name: string; options: Record<string, string> }> {
  return [...box.querySelectorAll<HTMLInputElement>('input[type=checkbox]:checked')].map((i) => ({
    name: i.dataset.name!,
    options: parseFlags(box.querySelector<HTMLInputElement>(`input[data-options="${i.dataset.name}"]`)!.value),
  }));
}

/** One map for a grid cell: in the worker, or on the server for a model there. */
async function gridMap(method: string, flags: Record<string, string>, baseline: string): Promise<Computed & { title: string; picture: import('../../src/viz/rgba.js').RgbaImage }> {
  const ask = { method, flags, baseline, input: state.input!, target: state.target, seed: 0 };
  const r = state.where === 'server' ? await explainOnServer(ask, 'signed') : await compute.run<'result'>({ type: 'explain', ...ask, draw: 'signed' }, progress);
  return { ...ask, values: r.values, shape: r.shape, delta: r.delta, ms: r.ms, where: state.where, title: r.title, picture: r.pictures.signed };
}

export async function baselinesGrid(flags: Record<string, string>, method: string): Promise<void> {
  const box = $('grid');
  box.replaceChildren();
  try {
    for (const b of BASELINES) box.append(cell((await gridMap(method, flags, b.text)).picture, b.title));
  } finally {
    progress(0, 1);
  }
}

export async function methodsGrid(): Promise<void> {
  const box = $('methods-grid');
  box.replaceChildren();
  state.methodsGrid = [];
  try {
    for (const m of picked($('method-picks'))) {
      status(`computing ${m.name}...`);
      try {
        const r = await gridMap(m.name, m.options, 'black');
        state.methodsGrid.push(r);
        box.append(cell(r.picture, `${r.title}, ${r.ms.toFixed(0)} ms`));
      } catch (e) {
        // a method that cannot run on this model (no convolution layer for a CAM, ...) says why in its cell
        const message = e instanceof Error ? e.message : String(e);
        if (message === 'cancelled') throw e;
        state.methodsGrid.push({ method: m.name, error: message });
        box.append(cell(undefined, `${m.name}: ${message}`, true));
      }
    }
    status('ready');
  } finally {
    progress(0, 1);
  }
}

export async function evaluateMap(): Promise<void> {
  const last = state.last;
  if (!last) throw new Error('compute a map first: the curves evaluate the current map');
  const box = $('curves');
  box.replaceChildren();
  state.curves = [];
  const picks = picked($('metric-picks'));
  if (state.where === 'server') {
    // the server recomputes the map (same method, options, baseline, class and seed) and evaluates it with the metrics' defaults
    status('evaluating on the server...');
    const r = await explainOnServer({ method: last.method, flags: last.flags, baseline: last.baseline, target: last.target }, 'signed', picks.map((m) => m.name));
    for (const c of r.curves) {
      const curve = { ...c, svg: metricCurvePlot(c.title, c.xLabel, c.yLabel, [{ method: 'map', x: c.x, y: [c.y], control: c.control ? [c.control] : undefined }], { width: 400, height: 260 }) };
      showCurve(box, curve, last.method);
    }
    status('ready');
    return;
  }
  for (const m of picks) {
    status(`evaluating: ${m.name}...`);
    const r = await compute.run<'curve'>({ type: 'evaluate', metric: m.name, options: m.options, input: last.input, values: last.values, target: last.target, seed: 0 });
    showCurve(box, r.curve, last.method);
  }
  status('ready');
}

function showCurve(box: HTMLElement, curve: CurveView, method: string): void {
  state.curves.push(curve);
  const fig = el('figure');
  const img = el('img', { alt: `${curve.title} curve`, 'data-metric': curve.metric });
  showSvg(img, curve.svg);
  const control = curve.controlScore !== null ? `, random ranking ${curve.controlScore.toFixed(3)} (dashed)` : '';
  fig.append(img, el('figcaption', {}, `${curve.title} of ${method}: ${curve.score.toFixed(3)}${control}`));
  box.append(fig);
}

/** The SAG of a model on the server: POST /api/sag (the library's sagImages, as `saliency sag`). */
async function sagOnServer(patches: number, threshold: number): Promise<{ svg: string; fullScore: number; roots: number[][]; nodes: number; ms: number }> {
  const q = new URLSearchParams({ model: state.model!.id, target: String(state.target), patches: String(patches), threshold: String(threshold) });
  const r = await fetch(`/api/sag?${q}`, { method: 'POST', body: state.image!, headers: { 'content-type': 'application/octet-stream' } });
  const body = await r.json();
  if (!r.ok) throw new Error(`the server could not search the graph: ${body.error ?? r.statusText}`);
  return body;
}

export async function sag(): Promise<void> {
  const patches = Number($<HTMLInputElement>('sag-patches').value);
  const threshold = Number($<HTMLInputElement>('sag-threshold').value);
  if (!(Number.isInteger(patches) && patches >= 1 && patches <= 64)) throw new Error(`patches per side must be an integer from 1 to 64, got '${$<HTMLInputElement>('sag-patches').value}'`);
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`the sufficiency threshold must be in (0, 1], got '${$<HTMLInputElement>('sag-threshold').value}'`);
  status(`searching the structured attention graph${state.where === 'server' ? ' on the server' : ''}...`);
  const r = state.where === 'server' ? await sagOnServer(patches, threshold) : await compute.run<'sag'>({ type: 'sag', input: state.input!, target: state.target, patches, threshold });
  state.sag = { roots: r.roots, nodes: r.nodes, fullScore: r.fullScore };
  showSvg($('sag'), r.svg);
  $('sag').hidden = false;
  $('sag-note').textContent = `${r.roots.length} minimal sufficient patch sets (${patches} x ${patches} patches, ${(threshold * 100).toFixed(0)} % of p = ${r.fullScore.toFixed(3)}), ${r.nodes} nodes; ${r.ms.toFixed(0)} ms`;
  status('ready');
}
