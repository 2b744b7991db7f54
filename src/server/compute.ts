/**
 * The HTTP compute API (for models the page cannot run, e.g. TensorFlow.js ones): an
 * uploaded image (sniffed, capped) explained by the server's model through the same
 * app layer as `saliency explain`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, runAll, contextOf } from '../app/session.js';
import { parseRequest } from '../app/request.js';
import { sagImages } from '../app/sag.js';
import { UsageError } from '../app/errors.js';
import { getMetric, metricOptions } from '../metrics/registry.js';
import type { ImageKind } from './security.js';
import type { ServedModel } from './models.js';

/**
 * The query of POST /api/explain; `metrics` (comma-separated curve metrics of the registry) also
 * evaluates the map; any other key is a method flag (`steps=20`, `quadrature=riemann_left`).
 */
export interface ExplainQuery {
  method?: string;
  baseline?: string;
  target?: string;
  seed?: string;
  metrics?: string;
  [flag: string]: string | undefined;
}

/** The upload as a file in a fresh temporary folder (the app layer reads files), removed afterwards. */
async function withUpload<T>(image: Uint8Array, kind: ImageKind, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'saliency-serve-'));
  try {
    const file = join(dir, `upload.${kind}`);
    writeFileSync(file, image);
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Structured Attention Graph of an uploaded image (POST /api/sag), as `saliency sag` makes it: the graph and its SVG. */
export async function sagUpload(model: ServedModel, image: Uint8Array, kind: ImageKind, q: { target?: string; patches?: string; threshold?: string }) {
  return withUpload(image, kind, async (file) => {
    const t0 = performance.now();
    const [g] = await sagImages({ model: model.path, images: [file], target: q.target, patches: q.patches, threshold: q.threshold });
    return { svg: g.svg, fullScore: g.graph.fullScore, roots: g.graph.roots.map((id) => g.graph.nodes[id].patches), nodes: g.graph.nodes.length, ms: performance.now() - t0 };
  });
}

export async function explainUpload(model: ServedModel, image: Uint8Array, kind: ImageKind, q: ExplainQuery) {
  return withUpload(image, kind, async (file) => {
    const { method, baseline, target, seed, metrics, model: _model, ...options } = q;
    // the model the server opened at start (a tfjs model takes seconds to load), kept open
    const session = await openSession({ model: model.path, opened: model.opened, images: [file], target });
    const req = parseRequest({ methods: [method ?? 'ig'], baselines: baseline ? [baseline] : [], options, seed }, { methods: ['ig'], baselines: ['black'] });
    const t0 = performance.now();
    const [outcome] = await runAll(session, req.plans.slice(0, 1), contextOf(session, req.seed, req.batchSize));
    const ms = performance.now() - t0;
    const curves = [];
    for (const name of (metrics ?? '').split(',').filter(Boolean)) {
      const d = getMetric(name.trim());
      const r = await d.run(session.model, session.batch, outcome.attribution.values, metricOptions(d, {}), { target: session.classes, preprocessing: session.space, seed: req.seed });
      if (!r.curves) throw new UsageError(`metric '${d.name}' draws no curve; the explorer plots curve metrics (deletion, insertion, topk-ablation, ...)`);
      const details = r.details as { controlScores?: number[] } | undefined;
      curves.push({ metric: d.name, title: d.title, xLabel: r.curves.xLabel, yLabel: r.curves.yLabel, score: r.scores[0], controlScore: details?.controlScores?.[0] ?? null, x: r.curves.x, y: r.curves.y[0], control: r.curves.control?.[0] ?? null });
    }
    return {
      method: outcome.plan.method,
      title: outcome.plan.title,
      class: session.classes[0],
      predictions: session.predictions[0],
      input: Array.from(session.batch),
      shape: outcome.attribution.shape.slice(1),
      attribution: Array.from(outcome.attribution.values),
      delta: outcome.delta ? outcome.delta[0] : null,
      ms,
      curves,
    };
  });
}
