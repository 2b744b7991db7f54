/**
 * The explorer page: pick an image, a class, a method with its options (from the
 * registry's catalogue) and a baseline; see the heat map, signed map and overlay, the
 * Integrated Gradients path with its alpha slider, the completeness and saturation
 * curves, and a grid of baselines side by side. Everything is computed in the worker.
 */
import type { Catalogue, CatalogueEntry } from '../../src/app/catalogue.js';
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import type { PathPictures } from './protocol.js';
import { inputSpace } from '../../src/engine/space.js';
import { heatmap } from '../../src/viz/heatmap.js';
import { inputImage } from '../../src/viz/input.js';
import { overlay } from '../../src/viz/overlay.js';
import { convergencePlot, saturationPlot } from '../../src/viz/pathPlots.js';
import { Compute } from './compute.js';
import { $, el, paint, showSvg } from './draw.js';
import { imageToInput } from './image.js';
import { BASELINES, baselineText, guessPreprocessing, isOnnx, softmaxTop } from './model.js';
import './style.css';

interface ModelEntry { id: string; name: string; url: string | null; inputShape: number[]; preprocessing: ResolvedPreprocessing; labels: string[] | null; images: Array<{ name: string; url: string }> }

const compute = new Compute();
const state = {
  model: undefined as ModelEntry | undefined,
  input: undefined as Float32Array | undefined,
  target: 0,
  /** The path's pictures (drawn in the worker; the slider shows one column). */
  path: undefined as PathPictures | undefined,
  last: undefined as { method: string; baseline: string; flags: Record<string, string>; target: number; input: number[]; values: number[]; delta: number | null; ms: number } | undefined,
  computed: 0,
};
(window as unknown as { __explorer: unknown }).__explorer = state;

const status = (text: string): void => {
  $('status').textContent = text;
};
function showError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  if (message === 'cancelled') {
    status('cancelled');
    return;
  }
  $('error').textContent = message;
  $('error').hidden = false;
}
const clearError = () => ($('error').hidden = true);

let catalogue: Catalogue;
const entry = (): CatalogueEntry => catalogue.methods.find((m) => m.name === $<HTMLSelectElement>('method').value)!;

function renderOptions(): void {
  const box = $('options');
  box.replaceChildren();
  for (const o of entry().options) {
    const id = `opt-${o.key}`;
    const label = el('label', { for: id, title: o.description }, o.flag.slice(2));
    let input: HTMLInputElement | HTMLSelectElement;
    if (o.choices) {
      input = el('select', { id });
      for (const c of o.choices) input.append(el('option', { value: c }, c));
    } else {
      input = el('input', { id, type: o.kind === 'boolean' ? 'checkbox' : 'text' });
      if (o.kind === 'boolean') (input as HTMLInputElement).checked = o.default === true;
    }
    if (o.kind !== 'boolean') input.value = o.key === 'steps' && entry().name === 'ig' ? '50' : String(o.default);
    input.dataset.flag = o.flag.slice(2);
    const row = el('div', { class: 'option' });
    row.append(label, input);
    box.append(row);
  }
  $('baseline-row').hidden = !entry().needs['baseline'];
}

function flags(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of $('options').querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-flag]')) {
    const v = i instanceof HTMLInputElement && i.type === 'checkbox' ? String(i.checked) : i.value.trim();
    if (v !== '') out[i.dataset.flag!] = v;
  }
  return out;
}

/** Model space -> pixels (the library's input space: (pixel - mean) / std undone per channel). */
const pixelsOf = (values: Float32Array): Float32Array => inputSpace(state.model!.inputShape, state.model!.preprocessing).toPixels(values);
const picture = (values: Float32Array) => inputImage(pixelsOf(values), state.model!.inputShape, { range: state.model!.preprocessing.pixelRange, layout: state.model!.preprocessing.layout });

async function predict(): Promise<void> {
  const r = await compute.run<'prediction'>({ type: 'predict', input: state.input! });
  const list = $('predictions');
  list.replaceChildren();
  const top = softmaxTop(r.logits, 5);
  state.target = top[0].index;
  for (const t of top) {
    const b = el('button', { class: 'class', 'data-class': String(t.index) }, `${state.model!.labels?.[t.index] ?? `class ${t.index}`}  ${(t.p * 100).toFixed(1)}%`);
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

function progress(done: number, total: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.max = total;
  bar.value = done;
}

async function explain(): Promise<void> {
  if (!state.input) return;
  clearError();
  const method = entry().name;
  const baseline = baselineText();
  const f = flags();
  $<HTMLButtonElement>('cancel').disabled = false;
  status(`computing ${entry().title}...`);
  try {
    const r = await compute.run<'result'>({ type: 'explain', method, flags: f, baseline, input: state.input, target: state.target, seed: 0 }, progress);
    const shape = state.model!.inputShape;
    const heat = heatmap(r.values, shape);
    paint($('heat'), heat.image);
    paint($('signed'), heatmap(r.values, shape, { signed: true }).image);
    paint($('overlay'), overlay(picture(state.input), heat.image, { opacity: 0.6 }));
    $('result-title').textContent = `${r.title} for ${state.model!.labels?.[state.target] ?? `class ${state.target}`}`;
    $('result-note').textContent =
      r.delta !== null ? `completeness: f(x) - f(x') = ${(r.fx! - r.fBaseline!).toFixed(4)}, delta = ${r.delta.toExponential(2)}; ${r.ms.toFixed(0)} ms` : `${r.ms.toFixed(0)} ms`;
    state.last = { method, baseline, flags: f, target: state.target, input: Array.from(state.input), values: Array.from(r.values), delta: r.delta, ms: r.ms };
    state.computed++;
    status('ready');
    if (entry().needs['baseline']) await path(baseline);
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

async function grid(): Promise<void> {
  const box = $('grid');
  box.replaceChildren();
  try {
    await gridCells(box);
  } finally {
    progress(0, 1);
  }
}

async function gridCells(box: HTMLElement): Promise<void> {
  for (const b of BASELINES) {
    const r = await compute.run<'result'>({ type: 'explain', method: entry().name, flags: flags(), baseline: b.text, input: state.input!, target: state.target, seed: 0 }, progress);
    const canvas = el('canvas');
    paint(canvas, heatmap(r.values, state.model!.inputShape, { signed: true }).image);
    const fig = el('figure');
    fig.append(canvas, el('figcaption', {}, b.title));
    box.append(fig);
  }
}

async function useImage(blob: Blob): Promise<void> {
  state.input = await imageToInput(blob, state.model!.preprocessing);
  paint($('input'), picture(state.input));
  await predict();
  await explain();
}

async function useModel(m: ModelEntry, bytes: ArrayBuffer): Promise<void> {
  status(`loading ${m.name}...`);
  const info = await compute.load(bytes, m.preprocessing);
  state.model = m;
  $('model-name').textContent = `${m.name} [${info.inputShape.join('x')}] -> ${info.outputShape.join('x')}, wasm threads: ${info.threads}`;
  const images = $('images');
  images.replaceChildren();
  for (const img of m.images) {
    const b = el('button', { class: 'thumb', 'data-name': img.name, title: img.name });
    b.append(el('img', { src: img.url, alt: img.name }));
    b.onclick = () => fetch(img.url).then((r) => r.blob()).then(useImage).catch(showError);
    images.append(b);
  }
  status('ready');
}

async function dropped(file: File): Promise<void> {
  clearError();
  const bytes = await file.arrayBuffer();
  if (isOnnx(new Uint8Array(bytes))) {
    const previous = state.model;
    try {
      const shape = await compute.load(bytes, {}).then((i) => i.inputShape);
      await useModel({ id: 'dropped', name: file.name, url: null, inputShape: shape, preprocessing: guessPreprocessing(shape), labels: null, images: previous?.images ?? [] }, bytes);
    } catch (e) {
      if (previous?.url) await useModel(previous, await (await fetch(previous.url)).arrayBuffer());
      throw new Error(`${file.name}: not a model the explorer can run: ${(e as Error).message}`);
    }
    if (state.input && state.input.length === state.model!.inputShape.reduce((a, b) => a * b, 1)) await predict();
    return;
  }
  try {
    await useImage(file);
  } catch (e) {
    throw new Error(`${file.name}: ${(e as Error).message}`);
  }
}

async function start(): Promise<void> {
  catalogue = await (await fetch('/api/catalogue')).json();
  const models: ModelEntry[] = await (await fetch('/api/models')).json();
  const select = $<HTMLSelectElement>('method');
  for (const m of catalogue.methods.filter((m) => m.needs['gradients'] !== undefined)) select.append(el('option', { value: m.name, title: m.summary }, m.title));
  select.value = 'ig';
  select.onchange = () => { renderOptions(); void explain(); };
  renderOptions();
  const baselineSelect = $<HTMLSelectElement>('baseline');
  for (const b of BASELINES) baselineSelect.append(el('option', { value: b.text }, b.title));
  baselineSelect.onchange = () => void explain();
  $('sigma').onchange = () => void explain();
  $('compute').onclick = () => void explain();
  $('cancel').onclick = () => void compute.cancel().catch(showError);
  $('alpha').oninput = drawAlpha;
  $('grid-button').onclick = () => void grid().catch(showError);
  $<HTMLInputElement>('file').onchange = (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void dropped(f).catch(showError);
  };
  document.body.ondragover = (e) => e.preventDefault();
  document.body.ondrop = (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f) void dropped(f).catch(showError);
  };
  const modelSelect = $<HTMLSelectElement>('model');
  for (const m of models) {
    const option = el('option', { value: m.id }, m.url ? m.name : `${m.name} (runs on the server only: POST /api/explain)`);
    option.disabled = !m.url;
    modelSelect.append(option);
  }
  modelSelect.onchange = () => {
    const m = models.find((x) => x.id === modelSelect.value)!;
    void (async () => {
      await useModel(m, await (await fetch(m.url!)).arrayBuffer());
      await useImage(await (await fetch((m.images[0] ?? models[0].images[0]).url)).blob());
    })().catch(showError);
  };
  const first = models[0];
  await useModel(first, await (await fetch(first.url!)).arrayBuffer());
  await useImage(await (await fetch(first.images[0].url)).blob());
}

start().catch(showError);
