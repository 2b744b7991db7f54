/**
 * Sparseness (Chalasani et al. 2020), as Quantus Sparseness: the Gini index of the map,
 * sum_i (2i - d - 1) a_(i) / (d sum a), a sorted ascending, with 1e-7 added to every value
 * (Quantus' guard against an all-zero map). 1 - 1/d (the largest value) for a one-hot map,
 * 0 for a uniform one. Higher is better (sparser).
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const SPARSENESS_OPTIONS = mapOptions(true);

export function gini(values: ArrayLike<number>): number {
  const a = Float64Array.from(values, (v) => v + 1e-7).sort();
  const d = a.length;
  let num = 0, total = 0;
  for (let i = 0; i < d; i++) {
    num += (2 * (i + 1) - d - 1) * a[i];
    total += a[i];
  }
  return num / (d * total);
}

export const sparseness = mapMetricFunction('sparseness', SPARSENESS_OPTIONS, (a) => gini(a), false);

export const descriptor = mapMetricDescriptor({
  name: 'sparseness', aliases: ['gini'], title: 'Sparseness (Gini)', family: 'complexity',
  summary: 'Gini index of the absolute map (Chalasani et al. 2020)', higherIsBetter: true,
  options: SPARSENESS_OPTIONS, fn: sparseness, order: 10,
});
