/**
 * The compute worker: the library's own code (graph/ builds the gradient graphs,
 * onnxruntime-web runs them; the methods, baselines and plans come from the registry
 * exactly as in the CLI), so the page stays responsive while it works.
 */
import { loadOnnxWebModel, browserThreads } from '../../src/engine/onnx-web.js';
import type { OnnxRuntimeModel } from '../../src/engine/onnxRuntimeModel.js';
import type { Preprocessing } from '../../src/engine/space.js';
import { planRuns, planCost, computeRun } from '../../src/app/plan.js';
import { parseBaseline } from '../../src/baselines/spec.js';
import { makeInMemoryBaseline } from '../../src/baselines/make.js';
import { integratedGradientsPath } from '../../src/methods/integratedGradientsPath.js';
import { inputSpace } from '../../src/engine/space.js';
import { pathFigure } from '../../src/viz/pathFigure.js';
import { pathCurves } from '../../src/viz/pathPlots.js';
import type { FromWorker, ToWorker } from './protocol.js';

let model: OnnxRuntimeModel | undefined;
let preprocessing: Preprocessing = {};
const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

function built(text: string) {
  const spec = parseBaseline(text);
  return { spec, ...makeInMemoryBaseline(spec, { model: model!, preprocessing }) };
}

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'load') {
    await model?.dispose();
    preprocessing = m.preprocessing;
    model = await loadOnnxWebModel(new Uint8Array(m.bytes), { wasmPaths: m.wasmPaths, batchSize: 16 });
    post({ type: 'loaded', inputShape: [...model.inputShape], outputShape: [...model.outputShape], threads: browserThreads() });
    return;
  }
  if (!model) throw new Error('no model loaded yet');
  if (m.type === 'predict') {
    const r = await model.run(m.input, { outputs: ['logits'] });
    post({ type: 'prediction', job: m.job, logits: r['logits'] });
  } else if (m.type === 'explain') {
    const [plan] = planRuns([m.method], [parseBaseline(m.baseline)], m.flags);
    const base = plan.baseline ? built(m.baseline) : undefined;
    const total = planCost(plan, 1, model.inputShape, base);
    let done = 0;
    model.onProgress = (k) => post({ type: 'progress', job: m.job, done: (done += k), total });
    const t0 = performance.now();
    const out = await computeRun(model, m.input, [m.target], plan, base, { seed: m.seed, preprocessing });
    model.onProgress = undefined;
    post({
      type: 'result',
      job: m.job,
      values: out.attribution.values,
      title: plan.title + (plan.subtitle ? ` (${plan.subtitle})` : ''),
      baseline: m.baseline,
      delta: out.delta ? out.delta[0] : null,
      fx: out.outputs ? out.outputs.input[0] : null,
      fBaseline: out.outputs ? out.outputs.baseline[0] : null,
      ms: performance.now() - t0,
    });
  } else if (m.type === 'path') {
    const baseline = built(m.baseline).baseline;
    const data = await integratedGradientsPath(model, m.input, { baseline, preprocessing, grid: m.grid, steps: m.steps, target: m.target, seed: m.seed });
    // the pictures are drawn here too: on a 224 x 224 model that is 63 maps, too long for the page's main thread
    const space = inputSpace(model, preprocessing);
    const fig = pathFigure(data, 0, { toPixels: (v) => space.toPixels(v), input: { range: space.pixelRange }, heatmap: { signed: true } });
    const pictures = { alphas: fig.alphas, inputs: fig.inputs, gradients: fig.gradients.map((h) => h.image), cumulative: fig.cumulative.map((h) => h.image), curves: pathCurves(data) };
    post({ type: 'path', job: m.job, pictures });
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
