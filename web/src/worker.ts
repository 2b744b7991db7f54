/**
 * The compute worker: the library's own code (graph/ builds the gradient graphs,
 * onnxruntime-web runs them; the methods, baselines, metrics and plans come from the
 * registry exactly as in the CLI). It also fetches the model, decodes images and draws
 * every picture, and sends results as transferred buffers: the page's main thread only
 * puts pixels on canvases, so it stays responsive whatever the model's size.
 */
import { loadOnnxWebModel, browserThreads } from '../../src/engine/onnx-web.js';
import type { OnnxRuntimeModel } from '../../src/engine/onnxRuntimeModel.js';
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import { planRuns, planCost, computeRun } from '../../src/app/plan.js';
import { parseBaseline } from '../../src/baselines/spec.js';
import { makeInMemoryBaseline } from '../../src/baselines/make.js';
import { integratedGradientsPath } from '../../src/methods/integratedGradientsPath.js';
import { inputSpace } from '../../src/engine/space.js';
import { pathFigure } from '../../src/viz/pathFigure.js';
import { pathCurves } from '../../src/viz/pathPlots.js';
import { imageToInput } from './decode.js';
import { guessPreprocessing } from './model.js';
import { metricCurve, sagView } from './evaluate.js';
import { inputPicture, mapPictures, transferables } from './pictures.js';
import type { FromWorker, RemoteAnswer, ToWorker } from './protocol.js';

let model: OnnxRuntimeModel | undefined;
let prep: ResolvedPreprocessing;
const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

function built(text: string) {
  const spec = parseBaseline(text);
  return { spec, ...makeInMemoryBaseline(spec, { model: model!, preprocessing: prep }) };
}

async function load(m: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  await model?.dispose();
  model = undefined;
  const bytes = typeof m.source === 'string' ? await (await fetch(m.source)).arrayBuffer() : await m.source.arrayBuffer();
  model = await loadOnnxWebModel(new Uint8Array(bytes), { wasmPaths: m.wasmPaths, batchSize: 16 });
  prep = m.preprocessing ?? guessPreprocessing([...model.inputShape]);
  post({ type: 'loaded', inputShape: [...model.inputShape], outputShape: [...model.outputShape], threads: browserThreads(), preprocessing: prep });
}

async function explain(model: OnnxRuntimeModel, m: Extract<ToWorker, { type: 'explain' }>): Promise<void> {
  const [plan] = planRuns([m.method], [parseBaseline(m.baseline)], m.flags);
  const base = plan.baseline ? built(m.baseline) : undefined;
  const total = planCost(plan, 1, model.inputShape, base);
  let done = 0;
  model.onProgress = (k) => post({ type: 'progress', job: m.job, done: (done += k), total });
  const t0 = performance.now();
  const out = await computeRun(model, m.input, [m.target], plan, base, { seed: m.seed, preprocessing: prep });
  const ms = performance.now() - t0;
  model.onProgress = undefined;
  const values = out.attribution.values;
  const shape = out.attribution.shape.slice(1);
  const pictures = mapPictures(values, shape, inputPicture(m.input, model.inputShape, prep), m.draw);
  post(
    {
      type: 'result', job: m.job, values, shape, baseline: m.baseline, ms, pictures,
      title: plan.title + (plan.subtitle ? ` (${plan.subtitle})` : ''),
      delta: out.delta ? out.delta[0] : null,
      fx: out.outputs ? out.outputs.input[0] : null,
      fBaseline: out.outputs ? out.outputs.baseline[0] : null,
    },
    transferables([values, pictures.signed, pictures.heat, pictures.overlay]),
  );
}

async function path(model: OnnxRuntimeModel, m: Extract<ToWorker, { type: 'path' }>): Promise<void> {
  const baseline = built(m.baseline).baseline;
  const data = await integratedGradientsPath(model, m.input, { baseline, preprocessing: prep, grid: m.grid, steps: m.steps, target: m.target, seed: m.seed });
  const space = inputSpace(model, prep);
  const fig = pathFigure(data, 0, { toPixels: (v) => space.toPixels(v), input: { range: space.pixelRange }, heatmap: { signed: true } });
  const pictures = { alphas: fig.alphas, inputs: fig.inputs, gradients: fig.gradients.map((h) => h.image), cumulative: fig.cumulative.map((h) => h.image), curves: pathCurves(data) };
  post({ type: 'path', job: m.job, pictures }, transferables([...pictures.inputs, ...pictures.gradients, ...pictures.cumulative]));
}

/** A map computed on the server: its JSON (megabytes for a 224 x 224 model) parsed and drawn here, not on the page. */
async function remote(m: Extract<ToWorker, { type: 'remote' }>): Promise<RemoteAnswer> {
  const r = await fetch(`/api/explain?${m.query}`, { method: 'POST', body: m.image, headers: { 'content-type': 'application/octet-stream' } });
  const body = await r.json();
  if (!r.ok) throw new Error(`the server could not compute it: ${body.error ?? r.statusText}`);
  const input = Float32Array.from(body.input as number[]);
  const values = Float32Array.from(body.attribution as number[]);
  const picture = inputPicture(input, m.inputShape, m.preprocessing);
  const pictures = mapPictures(values, body.shape, picture, m.draw);
  return { title: body.title, predictions: body.predictions, input, values, shape: body.shape, delta: body.delta, ms: body.ms, pictures, picture, curves: body.curves ?? [] };
}

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'load') return load(m);
  if (m.type === 'remote') {
    const answer = await remote(m);
    return post({ type: 'remote', job: m.job, answer }, transferables([answer.input, answer.values, answer.picture, answer.pictures.signed, answer.pictures.heat, answer.pictures.overlay]));
  }
  if (!model) throw new Error('no model loaded yet');
  if (m.type === 'image') {
    const input = await imageToInput(m.blob, prep);
    const picture = inputPicture(input, model.inputShape, prep);
    post({ type: 'image', job: m.job, input, picture }, transferables([input, picture]));
  } else if (m.type === 'predict') {
    const r = await model.run(m.input, { outputs: ['logits'] });
    post({ type: 'prediction', job: m.job, logits: r['logits'] });
  } else if (m.type === 'explain') {
    await explain(model, m);
  } else if (m.type === 'path') {
    await path(model, m);
  } else if (m.type === 'evaluate') {
    post({ type: 'curve', job: m.job, curve: await metricCurve(model, prep, m) });
  } else if (m.type === 'sag') {
    post({ type: 'sag', job: m.job, ...(await sagView(model, prep, m)) });
  }
}

// one job at a time, in order: a job sent while the model loads waits for it
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() =>
    handle(e.data).catch((err: unknown) => {
      const job = 'job' in e.data ? e.data.job : undefined;
      post({ type: 'error', job, message: err instanceof Error ? err.message : String(err) });
    }),
  );
};
