/**
 * Top-k intersection (Theiner et al. 2021), as Quantus TopKIntersection: the fraction of
 * the k most relevant pixels inside the ground-truth mask (`conceptInfluence` multiplies by
 * pixels / mask size). Higher is better.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';
import { topInside } from './relevanceRank.js';

export const TOPK_INTERSECTION_OPTIONS = {
  k: { kind: 'integer' as const, default: 1000, min: 1, description: 'top pixels compared with the mask (at most all pixels)' },
  conceptInfluence: { kind: 'boolean' as const, default: false, description: 'divide by the mask\'s share of the image' },
  ...mapOptions(false),
};

export const topkIntersection = mapMetricFunction('topk-intersection', TOPK_INTERSECTION_OPTIONS, (a, o, mask) => {
  const k = Math.min(o.k, a.length);
  const inside = mask!.reduce((s, v) => s + v, 0);
  return topInside(a, mask!, k) * (o.conceptInfluence ? a.length / inside : 1);
}, true);

export const descriptor = mapMetricDescriptor({
  name: 'topk-intersection', aliases: ['topkintersection', 'top-k-intersection'], title: 'Top-k intersection', family: 'localisation',
  summary: 'Fraction of the k most relevant pixels inside the ground-truth mask (Theiner et al. 2021)', higherIsBetter: true,
  options: TOPK_INTERSECTION_OPTIONS, fn: topkIntersection, order: 14,
});
