/**
 * Similarity target for embedding models: the cosine similarity between an input's embedding
 * and a fixed reference embedding (the embedding of another image).
 */
import type { Target } from '../engine/model.js';

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** cos(e, r) = <e, r> / (|e| |r|); its cotangent is r / (|e||r|) - cos e / |e|^2. */
export function cosineSimilarity(reference: Float32Array, label = 'cosine similarity to the reference'): Target {
  const rNorm = norm(reference);
  if (!(rNorm > 0)) throw new Error('the reference embedding is zero (or not finite): cosine similarity is undefined');
  const check = (e: Float32Array) => {
    if (e.length !== reference.length) throw new Error(`the embedding has ${e.length} values; the reference has ${reference.length}`);
  };
  const cos = (e: Float32Array) => {
    let dot = 0;
    for (let i = 0; i < e.length; i++) dot += e[i] * reference[i];
    return dot / (norm(e) * rNorm);
  };
  return {
    label,
    dependsOnOutput: true,
    value: (e) => (check(e), cos(e)),
    cotangent: (e) => {
      check(e!);
      const en = norm(e!);
      if (!(en > 0)) return new Float32Array(e!.length);
      const c = cos(e!);
      return Float32Array.from(e!, (ei, i) => reference[i] / (en * rNorm) - (c * ei) / (en * en));
    },
  };
}
