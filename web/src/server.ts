/**
 * Models the page cannot run (TensorFlow.js models, served with `saliency serve --model`)
 * are computed by the Node library through POST /api/explain: the worker sends the image
 * file and the method's flags, parses the answer (the model-space input, the predictions,
 * the attribution) and draws it as for a map computed in the page, so the page's main
 * thread never parses megabytes of JSON.
 */
import { compute, state } from './page.js';
import type { RemoteAnswer } from './protocol.js';

let lastAnswer: RemoteAnswer | undefined;

export type ServerResult = RemoteAnswer & { fx: null; fBaseline: null };

/** One map computed on the server (target undefined: the top class). */
export async function explainOnServer(
  a: { method: string; flags: Record<string, string>; baseline: string; target: number | undefined },
  draw: 'all' | 'signed' = 'all',
  metrics: string[] = [],
): Promise<ServerResult> {
  const query = new URLSearchParams({
    model: state.model!.id, method: a.method, baseline: a.baseline, ...a.flags,
    ...(a.target !== undefined ? { target: String(a.target) } : {}),
    ...(metrics.length ? { metrics: metrics.join(',') } : {}),
  });
  const r = await compute.run<'remote'>({ type: 'remote', query: query.toString(), image: state.image!, inputShape: state.model!.inputShape, preprocessing: state.model!.preprocessing, draw });
  lastAnswer = r.answer;
  return { ...r.answer, title: `${r.answer.title} (on the server)`, fx: null, fBaseline: null };
}

/** The server's ranked predictions for the image, as log-probabilities (unranked classes: -Infinity). */
export function predictionsFromServer(): Float32Array {
  const ranked = lastAnswer!.predictions;
  const out = new Float32Array(state.model!.labels?.length ?? Math.max(...ranked.map((p) => p.class)) + 1).fill(-Infinity);
  for (const p of ranked) out[p.class] = Math.log(p.probability);
  return out;
}
