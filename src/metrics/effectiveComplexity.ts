/**
 * Effective complexity (Nguyen & Martinez 2020), as Quantus EffectiveComplexity: the number
 * of pixels whose (normalised, absolute) relevance exceeds `eps`. Lower is better.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const EFFECTIVE_COMPLEXITY_OPTIONS = {
  eps: { kind: 'number' as const, default: 1e-5, min: 0, description: 'relevance above which a pixel counts' },
  ...mapOptions(true),
};

export const effectiveComplexity = mapMetricFunction('effective-complexity', EFFECTIVE_COMPLEXITY_OPTIONS, (a, o) => a.filter((v) => v > o.eps).length, false);

export const descriptor = mapMetricDescriptor({
  name: 'effective-complexity', aliases: ['effectivecomplexity'], title: 'Effective complexity', family: 'complexity',
  summary: 'Number of pixels with relevance above eps (Nguyen & Martinez 2020)', higherIsBetter: false,
  options: EFFECTIVE_COMPLEXITY_OPTIONS, fn: effectiveComplexity, order: 12,
});
