/**
 * Relevance mass accuracy (Arras et al. 2022): the share of the map's positive relevance
 * inside the ground-truth mask, sum_inside max(a, 0) / sum max(a, 0), in [0, 1]; 0 when
 * the map has no positive relevance. Higher is better.
 *
 * Quantus' RelevanceMassAccuracy documents this definition ("the sum of overall positive
 * attributions") but its code divides the signed sums, which leaves [0, 1] on signed maps
 * (3 inside, 1 and -1 outside gives 1; a negative total flips the sign). `signed: true`
 * reproduces Quantus' code (as does taking |a| first, with `absolute`). With the default, the
 * score equals the energy-based pointing game's: the two papers define the same ratio.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';
import { energyInside } from './energyPointingGame.js';

export const RELEVANCE_MASS_OPTIONS = {
  ...mapOptions(false),
  signed: { kind: 'boolean' as const, default: false, description: "divide the signed sums, as Quantus' code does (outside [0, 1] on signed maps)" },
};

/** sum_inside a / sum a, signed (Quantus' code). */
export function signedMassInside(a: Float64Array, mask: Uint8Array): number {
  let inside = 0, total = 0;
  for (let i = 0; i < a.length; i++) {
    total += a[i];
    if (mask[i]) inside += a[i];
  }
  return inside / total;
}

export const relevanceMass = mapMetricFunction('relevance-mass', RELEVANCE_MASS_OPTIONS, (a, o, mask) => (o.signed ? signedMassInside(a, mask!) : energyInside(a, mask!)), true);

export const descriptor = mapMetricDescriptor({
  name: 'relevance-mass', aliases: ['relevancemass', 'relevance-mass-accuracy'], title: 'Relevance mass accuracy', family: 'localisation',
  summary: "Share of the map's positive relevance inside the ground-truth mask (Arras et al. 2022)", higherIsBetter: true,
  options: RELEVANCE_MASS_OPTIONS, fn: relevanceMass, order: 12,
});
