/**
 * Relevance mass accuracy (Arras et al. 2022), as Quantus RelevanceMassAccuracy: the map's
 * sum inside the ground-truth mask over its total sum. Higher is better.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const RELEVANCE_MASS_OPTIONS = mapOptions(false);

export function massInside(a: Float64Array, mask: Uint8Array): number {
  let inside = 0, total = 0;
  for (let i = 0; i < a.length; i++) {
    total += a[i];
    if (mask[i]) inside += a[i];
  }
  return inside / total;
}

export const relevanceMass = mapMetricFunction('relevance-mass', RELEVANCE_MASS_OPTIONS, (a, _o, mask) => massInside(a, mask!), true);

export const descriptor = mapMetricDescriptor({
  name: 'relevance-mass', aliases: ['relevancemass', 'relevance-mass-accuracy'], title: 'Relevance mass accuracy', family: 'localisation',
  summary: "Share of the map's relevance inside the ground-truth mask (Arras et al. 2022)", higherIsBetter: true,
  options: RELEVANCE_MASS_OPTIONS, fn: relevanceMass, order: 12,
});
