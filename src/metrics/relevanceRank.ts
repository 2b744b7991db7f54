/**
 * Relevance rank accuracy (Arras et al. 2022), as Quantus RelevanceRankAccuracy: of the K
 * highest-ranked pixels, K the size of the ground-truth mask, the fraction inside the mask.
 * Ties are ranked by position (features.ts). Higher is better.
 */
import { rankDescending } from './features.js';
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const RELEVANCE_RANK_OPTIONS = mapOptions(false);

/** Fraction of the top k pixels of the map that lie inside the mask. */
export function topInside(a: Float64Array, mask: Uint8Array, k: number): number {
  const order = rankDescending(a);
  let hits = 0;
  for (let j = 0; j < k; j++) hits += mask[order[j]];
  return hits / k;
}

export const relevanceRank = mapMetricFunction('relevance-rank', RELEVANCE_RANK_OPTIONS, (a, _o, mask) => topInside(a, mask!, mask!.reduce((s, v) => s + v, 0)), true);

export const descriptor = mapMetricDescriptor({
  name: 'relevance-rank', aliases: ['relevancerank', 'relevance-rank-accuracy'], title: 'Relevance rank accuracy', family: 'localisation',
  summary: 'Fraction of the K most relevant pixels inside the ground-truth mask of K pixels (Arras et al. 2022)', higherIsBetter: true,
  options: RELEVANCE_RANK_OPTIONS, fn: relevanceRank, order: 13,
});
