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
import type { ImageKind } from './security.js';
import type { ServedModel } from './models.js';

/** The query of POST /api/explain; any other key is a method flag (`steps=20`, `quadrature=riemann_left`). */
export interface ExplainQuery {
  method?: string;
  baseline?: string;
  target?: string;
  seed?: string;
  [flag: string]: string | undefined;
}

export async function explainUpload(model: ServedModel, image: Uint8Array, kind: ImageKind, q: ExplainQuery) {
  const dir = mkdtempSync(join(tmpdir(), 'saliency-serve-'));
  try {
    const file = join(dir, `upload.${kind}`);
    writeFileSync(file, image);
    const { method, baseline, target, seed, model: _model, ...options } = q;
    const session = await openSession({ model: model.path, images: [file], target });
    try {
      const req = parseRequest({ methods: [method ?? 'ig'], baselines: baseline ? [baseline] : [], options, seed }, { methods: ['ig'], baselines: ['black'] });
      const t0 = performance.now();
      const [outcome] = await runAll(session, req.plans.slice(0, 1), contextOf(session, req.seed, req.batchSize));
      return {
        method: outcome.plan.method,
        title: outcome.plan.title,
        class: session.classes[0],
        predictions: session.predictions[0],
        input: Array.from(session.batch),
        shape: outcome.attribution.shape.slice(1),
        attribution: Array.from(outcome.attribution.values),
        delta: outcome.delta ? outcome.delta[0] : null,
        ms: performance.now() - t0,
      };
    } finally {
      await session.opened.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
