/**
 * Energy-based pointing game (Wang et al. 2020, Score-CAM): the share of the map's positive
 * energy inside the ground-truth mask, sum_inside max(a, 0) / sum max(a, 0) (Quantus'
 * AttributionLocalisation with positive attributions, without its 1e-9 guard). Higher is better.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const ENERGY_POINTING_GAME_OPTIONS = mapOptions(false);

export function energyInside(a: Float64Array, mask: Uint8Array): number {
  let inside = 0, total = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.max(a[i], 0);
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0 ? inside / total : 0;
}

export const energyPointingGame = mapMetricFunction('energy-pointing-game', ENERGY_POINTING_GAME_OPTIONS, (a, _o, mask) => energyInside(a, mask!), true);

export const descriptor = mapMetricDescriptor({
  name: 'energy-pointing-game', aliases: ['energypointinggame', 'energy-based-pointing-game'], title: 'Energy pointing game', family: 'localisation',
  summary: "Share of the map's positive energy inside the ground-truth mask (Wang et al. 2020)", higherIsBetter: true,
  options: ENERGY_POINTING_GAME_OPTIONS, fn: energyPointingGame, order: 11,
});
