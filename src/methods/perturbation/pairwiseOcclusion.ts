/**
 * Pairwise occlusion for similarity models: slide an occluding window over image A and
 * measure the drop of the cosine similarity between A's embedding and B's, cos(f(A), f(B)) -
 * cos(f(A with the window occluded), f(B)), averaged over the windows covering each pixel
 * (occlusion with the similarity target); then the same over B against A. A map shows which
 * parts of each image make the two look alike to the model.
 *
 * In Sammani et al.'s terms (explain-cl, methods.py `occlusion`) this is conditional occlusion:
 * each image occluded with the other whole as the condition. Their pairwise occlusion, both
 * images occluded together by random rectangles, is `jointOcclusion` (jointOcclusion.ts).
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { cosineSimilarity } from '../../targets/similarity.js';
import type { Attribution } from '../attribution.js';
import { occlusion, type OcclusionOptions } from './occlusion.js';

export type PairwiseOcclusionOptions = Omit<OcclusionOptions, 'target'>;

export interface PairwiseOcclusion {
  /** cos(f(A), f(B)). */
  similarity: number;
  /** The drop of the similarity when a window of A is occluded (B whole), A's shape. */
  a: Attribution;
  /** The drop when a window of B is occluded (A whole), B's shape. */
  b: Attribution;
}

function embedding(model: Model, x: Float32Array): Promise<Float32Array> {
  return model.run(x, { outputs: ['logits'] }).then((r) => r['logits']);
}

/** Pairwise occlusion of one image A against one image B (each one example). */
export async function pairwiseOcclusion(model: Model, a: Float32Array, b: Float32Array, options: PairwiseOcclusionOptions = {}): Promise<PairwiseOcclusion> {
  for (const [name, x] of [['A', a], ['B', b]] as const) {
    const n = countExamples(x, model.inputShape);
    if (n !== 1) throw new Error(`pairwise occlusion takes one image A and one image B; image ${name} holds ${n} examples`);
  }
  const [ea, eb] = [await embedding(model, a), await embedding(model, b)];
  const toB = cosineSimilarity(eb, 'cosine similarity to image B');
  const similarity = toB.value(ea, 0);
  return {
    similarity,
    a: await occlusion(model, a, { ...options, target: toB }),
    b: await occlusion(model, b, { ...options, target: cosineSimilarity(ea, 'cosine similarity to image A') }),
  };
}
