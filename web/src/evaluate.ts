/**
 * The evaluation views, in the worker: any curve metric of the registry (deletion,
 * insertion, the article's top-k ablation, ...) run on the current map, plotted with
 * src/viz; and the Structured Attention Graph of the current image (src/methods/mask/sag).
 */
import type { Model } from '../../src/engine/model.js';
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import { getMetric, metricOptions } from '../../src/metrics/registry.js';
import { structuredAttentionGraph, SAG_DEFAULTS } from '../../src/methods/mask/sag.js';
import { metricCurvePlot } from '../../src/viz/curvePlots.js';
import { sagSvg } from '../../src/viz/sag.js';
import { inputPicture } from './pictures.js';
import type { CurveView } from './protocol.js';

export async function metricCurve(
  model: Model,
  prep: ResolvedPreprocessing,
  m: { metric: string; options: Record<string, unknown>; input: Float32Array; values: Float32Array; target: number; seed: number },
): Promise<CurveView> {
  const d = getMetric(m.metric);
  const r = await d.run(model, m.input, m.values, metricOptions(d, m.options), { target: [m.target], preprocessing: prep, seed: m.seed });
  const c = r.curves;
  if (!c) throw new Error(`metric '${d.name}' draws no curve; the evaluation view shows curve metrics (deletion, insertion, topk-ablation, ...)`);
  const control = c.control ? Array.from(c.control[0]) : null;
  const details = r.details as { controlScores?: number[] } | undefined;
  const svg = metricCurvePlot(d.title, c.xLabel, c.yLabel, [{ method: 'map', x: Array.from(c.x), y: [Array.from(c.y[0])], control: control ? [control] : undefined }], { width: 400, height: 260 });
  return {
    metric: d.name,
    title: d.title,
    score: r.scores[0],
    controlScore: details?.controlScores?.[0] ?? null,
    x: Array.from(c.x),
    y: Array.from(c.y[0]),
    control,
    svg,
  };
}

export async function sagView(model: Model, prep: ResolvedPreprocessing, m: { input: Float32Array; target: number; patches: number; threshold: number }) {
  const t0 = performance.now();
  const graph = await structuredAttentionGraph(model, m.input, {
    target: m.target, patches: m.patches, threshold: m.threshold, preprocessing: prep,
    expandBelow: Math.min(SAG_DEFAULTS.expandBelow, m.threshold),
  });
  const svg = sagSvg(graph, inputPicture(m.input, model.inputShape, prep), { title: `p = ${graph.fullScore.toFixed(3)}` });
  return { svg, fullScore: graph.fullScore, roots: graph.roots.map((id) => graph.nodes[id].patches), nodes: graph.nodes.length, ms: performance.now() - t0 };
}
