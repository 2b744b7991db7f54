/**
 * Complexity (Bhatt et al. 2020), as Quantus Complexity: the entropy of the map's fractional
 * contributions, -sum p_i log(p_i + 1e-12), p = a / sum|a|. log(d) for a uniform map, 0 for
 * a one-hot one. Lower is better.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const COMPLEXITY_OPTIONS = mapOptions(true);

export function entropy(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += Math.abs(values[i]);
  let h = 0;
  for (let i = 0; i < values.length; i++) {
    const p = values[i] / total;
    h -= p * Math.log(p + 1e-12);
  }
  return h;
}

export const complexity = mapMetricFunction('complexity', COMPLEXITY_OPTIONS, (a) => entropy(a), false);

export const descriptor = mapMetricDescriptor({
  name: 'complexity', aliases: ['entropy'], title: 'Complexity (entropy)', family: 'complexity',
  summary: 'Entropy of the fractional contributions of the absolute map (Bhatt et al. 2020)', higherIsBetter: false,
  options: COMPLEXITY_OPTIONS, fn: complexity, order: 11,
});
