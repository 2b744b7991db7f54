/**
 * The explorer page: pick an image, a class, a method with its options (from the
 * registry's catalogue) and a baseline; see the heat map, signed map and overlay, the
 * Integrated Gradients path with its alpha slider, the completeness and saturation
 * curves; the grids, evaluation curves and SAG are in views.ts. Everything is computed
 * and drawn in the worker (or on the server, for models the page cannot run).
 */
import type { CatalogueEntry } from '../../src/app/catalogue.js';
import { convergencePlot, saturationPlot } from '../../src/viz/pathPlots.js';
import { $, el, paint, showSvg } from './draw.js';
import { BASELINES, baselineText, isOnnx, softmaxTop } from './model.js';
import { className, clearError, compute, progress, showError, state, status, type ModelEntry } from './page.js';
import { flags, renderOptions } from './options.js';
import { explainOnServer, predictionsFromServer, type ServerResult } from './server.js';
import { evaluateMap, methodsGrid, baselinesGrid, renderPicks, sag } from './views.js';
import './style.css';

const entry = (): CatalogueEntry => state.catalogue!.methods.find((m) => m.name === $<HTMLSelectElement>('method').value)!;
const onServer = () => state.where === 'server';

const baseline = () => baselineText($<HTMLSelectElement>('baseline').value, $<HTMLInputElement>('sigma').value);

async function predict(): Promise<void> {
  const logits = onServer() ? predictionsFromServer() : (await compute.run<'prediction'>({ type: 'predict', input: state.input! })).logits;
  const list = $('predictions');
  list.replaceChildren();
  const top = softmaxTop(logits, 5);
  state.target = top[0].index;
  for (const t of top) {
    const b = el('button', { class: 'class', 'data-class': String(t.index) }, `${className(t.index)}  ${(t.p * 100).toFixed(1)}%`);
    b.onclick = () => {
      state.target = t.index;
      markTarget();
      void explain();
    };
    list.append(b);
  }
  markTarget();
}
const markTarget = () => $('predictions').querySelectorAll<HTMLElement>('button').forEach((b) => b.classList.toggle('chosen', Number(b.dataset.class) === state.target));

async function explain(first?: ServerResult): Promise<void> {
  if (!state.input) return;
  clearError();
  const ask = { method: entry().name, flags: flags(), baseline: baseline(), input: state.input, target: state.target, seed: 0 };
  $<HTMLButtonElement>('cancel').disabled = false;
  status(`computing ${entry().title}${onServer() ? ' on the server' : ''}...`);
  try {
    const r = first ?? (onServer() ? await explainOnServer(ask) : await compute.run<'result'>({ type: 'explain', ...ask, draw: 'all' }, progress));
    paint($('heat'), r.pictures.heat ?? r.pictures.signed);
    paint($('signed'), r.pictures.signed);
    $('overlay').hidden = !r.pictures.overlay;
    if (r.pictures.overlay) paint($('overlay'), r.pictures.overlay);
    $('result-title').textContent = `${r.title} for ${className(state.target)}`;
    $('result-note').textContent =
      (r.delta !== null && r.fx !== null ? `completeness: f(x) - f(x') = ${(r.fx - r.fBaseline!).toFixed(4)}, delta = ${r.delta.toExponential(2)}; ` : '') + `${r.ms.toFixed(0)} ms`;
    state.last = { ...ask, values: r.values, shape: r.shape, delta: r.delta, ms: r.ms, where: onServer() ? 'server' : 'page' };
    state.computed++;
    status('ready');
    const paths = entry().needs['baseline'] && !onServer();
    if (!paths) state.path = undefined;
    $('path-section').hidden = !paths;
    if (paths) await path(ask.baseline);
  } catch (e) {
    showError(e);
  } finally {
    $<HTMLButtonElement>('cancel').disabled = true;
    progress(0, 1);
  }
}

async function path(baseline: string): Promise<void> {
  const r = await compute.run<'path'>({ type: 'path', baseline, input: state.input!, target: state.target, grid: 21, steps: 60, seed: 0 });
  state.path = r.pictures;
  const c = r.pictures.curves;
  showSvg($('convergence'), convergencePlot(c, { width: 600, height: 300 }));
  showSvg($('saturation'), saturationPlot(c, { width: 290, height: 300 }));
  drawAlpha();
}

function drawAlpha(): void {
  const fig = state.path;
  if (!fig) return;
  const k = Number($<HTMLInputElement>('alpha').value);
  paint($('path-input'), fig.inputs[k]);
  paint($('path-grad'), fig.gradients[k]);
  paint($('path-cum'), fig.cumulative[k]);
  $('alpha-value').textContent = `alpha = ${fig.alphas[k].toFixed(2)}`;
}

/** An image file: decoded in the worker (or by the server), shown, classified, explained. */
async function useImage(blob: Blob): Promise<void> {
  state.image = blob;
  if (onServer()) {
    // the server decodes, classifies and explains the top class in one request
    const r = await explainOnServer({ method: entry().name, flags: flags(), baseline: baseline(), target: undefined });
    state.input = r.input;
    paint($('input'), r.picture);
    await predict();
    return explain(r);
  }
  const r = await compute.run<'image'>({ type: 'image', blob });
  state.input = r.input;
  paint($('input'), r.picture);
  await predict();
  await explain();
}

async function useModel(m: ModelEntry, source: string | Blob | null): Promise<ModelEntry> {
  status(`loading ${m.name}...`);
  state.path = undefined;
  clearViews();
  state.where = source ? 'page' : 'server';
  state.source = source;
  let shown = m;
  if (source) {
    const info = await compute.load(source, m.id === 'dropped' ? null : m.preprocessing);
    shown = { ...m, inputShape: info.inputShape, preprocessing: info.preprocessing };
    $('model-name').textContent = `${m.name} [${info.inputShape.join('x')}] -> ${info.outputShape.join('x')}, wasm threads: ${info.threads}`;
  } else {
    $('model-name').textContent = `${m.name} [${m.inputShape.join('x')}], computed on the server`;
  }
  state.model = shown;
  $<HTMLSelectElement>('model').value = m.id === 'dropped' ? '' : m.id;
  const images = $('images');
  images.replaceChildren();
  // a model served without example images gets the shipped ones
  for (const img of m.images.length ? m.images : shippedImages) {
    const b = el('button', { class: 'thumb', 'data-name': img.name, title: img.name });
    b.append(el('img', { src: img.url, alt: img.name }));
    b.onclick = () => fetch(img.url).then((r) => r.blob()).then(useImage).catch(showError);
    images.append(b);
  }
  status('ready');
  return shown;
}

let shippedImages: ModelEntry['images'] = [];

/** Views of another model's maps go when the model changes. */
function clearViews(): void {
  for (const id of ['grid', 'methods-grid', 'curves']) $(id).replaceChildren();
  $('path-section').hidden = true;
  $('sag').hidden = true;
  $('sag-note').textContent = '';
  Object.assign(state, { methodsGrid: [], curves: [], sag: undefined });
}

async function dropped(file: File): Promise<void> {
  clearError();
  if (!isOnnx(new Uint8Array(await file.slice(0, 32).arrayBuffer()))) {
    try {
      return await useImage(file);
    } catch (e) {
      throw new Error(`${file.name}: ${(e as Error).message}`);
    }
  }
  const previous = state.model;
  const source = state.source;
  try {
    await useModel({ id: 'dropped', name: file.name, url: null, inputShape: [], preprocessing: previous!.preprocessing, labels: null, images: previous?.images ?? [] }, file);
  } catch (e) {
    // the page goes back to the model it had, and says why the file was refused
    if (previous) await useModel(previous, source);
    throw new Error(`${file.name}: not a model the explorer can run: ${(e as Error).message}`);
  }
  if (state.image) await useImage(state.image);
}

async function start(): Promise<void> {
  state.catalogue = await (await fetch('/api/catalogue')).json();
  const models: ModelEntry[] = await (await fetch('/api/models')).json();
  shippedImages = models[0].images;
  const select = $<HTMLSelectElement>('method');
  for (const m of state.catalogue!.methods) select.append(el('option', { value: m.name, title: m.summary }, m.title));
  select.value = 'ig';
  select.onchange = () => { renderOptions(entry()); void explain(); };
  renderOptions(entry());
  renderPicks();
  const baselineSelect = $<HTMLSelectElement>('baseline');
  for (const b of BASELINES) baselineSelect.append(el('option', { value: b.text }, b.title));
  baselineSelect.onchange = () => void explain();
  $('sigma').onchange = () => void explain();
  $('compute').onclick = () => void explain();
  $('cancel').onclick = () => void compute.cancel().catch(showError);
  $('alpha').oninput = drawAlpha;
  $('grid-button').onclick = () => void baselinesGrid(flags(), entry().name).catch(showError);
  $('methods-button').onclick = () => void methodsGrid().catch(showError);
  $('evaluate-button').onclick = () => void evaluateMap().catch(showError);
  $('sag-button').onclick = () => void sag().catch(showError);
  $<HTMLInputElement>('file').onchange = (e) => {
    const input = e.target as HTMLInputElement;
    const f = input.files?.[0];
    input.value = ''; // the control would go on naming the file (a refused model looked like the one in use)
    if (f) void dropped(f).catch(showError);
  };
  document.body.ondragover = (e) => e.preventDefault();
  document.body.ondrop = (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f) void dropped(f).catch(showError);
  };
  const modelSelect = $<HTMLSelectElement>('model');
  for (const m of models) modelSelect.append(el('option', { value: m.id }, m.url ? m.name : `${m.name} (computed on the server)`));
  modelSelect.onchange = () => {
    const m = models.find((x) => x.id === modelSelect.value)!;
    void (async () => {
      await useModel(m, m.url);
      await useImage(await (await fetch((m.images[0] ?? models[0].images[0]).url)).blob());
    })().catch(showError);
  };
  await useModel(models[0], models[0].url);
  await useImage(await (await fetch(models[0].images[0].url)).blob());
}

start().catch(showError);
