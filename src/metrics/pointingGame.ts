/**
 * Pointing game (Zhang et al. 2018), as Quantus PointingGame: 1 when a pixel of the map's
 * maximum lies inside the ground-truth mask, else 0 (NaN for an empty mask). Higher is better.
 */
import { mapMetricDescriptor, mapMetricFunction, mapOptions } from './mapMetric.js';

export const POINTING_GAME_OPTIONS = mapOptions(false);

export function pointingHit(a: Float64Array, mask: Uint8Array): number {
  let max = -Infinity;
  for (const v of a) max = Math.max(max, v);
  for (let i = 0; i < a.length; i++) if (a[i] === max && mask[i]) return 1;
  return 0;
}

export const pointingGame = mapMetricFunction('pointing-game', POINTING_GAME_OPTIONS, (a, _o, mask) => pointingHit(a, mask!), true);

export const descriptor = mapMetricDescriptor({
  name: 'pointing-game', aliases: ['pointinggame'], title: 'Pointing game', family: 'localisation',
  summary: "Whether the map's peak falls inside the ground-truth mask (Zhang et al. 2018)", higherIsBetter: true,
  options: POINTING_GAME_OPTIONS, fn: pointingGame, order: 10,
});
