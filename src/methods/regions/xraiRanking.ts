/**
 * XRAI's region ranking (Kapishnikov et al. 2019), as PAIR saliency's `XRAI._xrai`
 * ('full') and `XRAI._xrai_fast` ('fast') compute it from a per-pixel attribution and
 * candidate regions (which may overlap):
 *
 * full: repeatedly add the region whose not-yet-covered pixels have the highest mean
 *   attribution ("gain density"); regions adding fewer than `minPixelDiff` new pixels are
 *   dropped; stop when none remain or the covered area exceeds `areaThreshold`;
 * fast: rank the regions once by their own density, then add them in that order.
 *
 * Each added piece gets its gain as its value; uncovered pixels get their own mean. Ranks:
 * pieces sorted by gain (1 = best), the uncovered rest last. Means are numpy's (pairwise
 * sums over the pixels in raster order), so ties resolve as in PAIR (first region wins).
 */
import { numpySum } from '../../masks/numeric.js';
import type { Region } from '../../masks/xraiSegments.js';

export const XRAI_RANKING = { areaThreshold: 1, minPixelDiff: 50 } as const;

export interface XraiRankingOptions {
  algorithm?: 'full' | 'fast';
  /** Stop once this fraction of the image is covered (full only). Default 1. */
  areaThreshold?: number;
  /** Drop regions that add fewer new pixels than this. Default 50. */
  minPixelDiff?: number;
}

export interface XraiRanking {
  /** Per-pixel XRAI value (the gain of the piece covering it), [h * w], float64. */
  map: Float64Array;
  /** Per-pixel rank of its piece, 1 = most important. */
  ranks: Int32Array;
  /** Gain of each rank (rank r at index r - 1); the uncovered rest last when there is one. */
  gains: number[];
}

/** Mean attribution over the positions of `region` not yet covered, and how many there are. */
function density(attr: Float64Array, region: Region, covered: Uint8Array, scratch: Float64Array): [number, number] {
  let k = 0;
  for (const p of region) if (!covered[p]) scratch[k++] = attr[p];
  return [k === 0 ? -Infinity : numpySum(scratch, 0, k) / k, k];
}

export function xraiRanking(attr: Float64Array, regions: readonly Region[], options: XraiRankingOptions = {}): XraiRanking {
  const { algorithm = 'full', areaThreshold = XRAI_RANKING.areaThreshold, minPixelDiff = XRAI_RANKING.minPixelDiff } = options;
  const size = attr.length;
  const covered = new Uint8Array(size);
  const scratch = new Float64Array(size);
  const map = new Float64Array(size).fill(-Infinity);
  const pieces: { pixels: number[]; gain: number }[] = [];
  let coveredCount = 0;
  const add = (region: Region, gain: number) => {
    const pixels: number[] = [];
    for (const p of region)
      if (!covered[p]) {
        pixels.push(p);
        covered[p] = 1;
        map[p] = gain;
      }
    coveredCount += pixels.length;
    pieces.push({ pixels, gain });
  };
  if (algorithm === 'full') {
    let remaining = regions.map((_, i) => i);
    while (coveredCount / size <= areaThreshold) {
      let best = -Infinity;
      let bestKey = -1;
      const keep: number[] = [];
      for (const key of remaining) {
        const [gain, fresh] = density(attr, regions[key], covered, scratch);
        if (fresh < minPixelDiff) continue;
        keep.push(key);
        if (gain > best) (best = gain), (bestKey = key);
      }
      if (keep.length === 0 || bestKey < 0) break; // (PAIR fails on a KeyError when every gain is -inf)
      add(regions[bestKey], best);
      remaining = keep.filter((k) => k !== bestKey);
    }
  } else if (algorithm === 'fast') {
    const own = regions.map((r) => density(attr, r, new Uint8Array(size), scratch)[0]);
    const order = regions.map((_, i) => i).sort((a, b) => own[b] - own[a] || a - b);
    for (const key of order) {
      const [gain, fresh] = density(attr, regions[key], covered, scratch);
      if (fresh < minPixelDiff) continue;
      add(regions[key], gain);
    }
  } else throw new Error(`unknown XRAI algorithm '${algorithm}': use 'full' or 'fast'`);

  const rest: number[] = [];
  for (let p = 0; p < size; p++) if (map[p] === -Infinity) rest.push(p);
  const restGain = rest.length ? numpySum(Float64Array.from(rest, (p) => attr[p])) / rest.length : -Infinity;
  for (const p of rest) map[p] = restGain;
  const sorted = pieces.map((piece, i) => ({ ...piece, i })).sort((a, b) => b.gain - a.gain || a.i - b.i);
  if (rest.length) sorted.push({ pixels: rest, gain: restGain, i: sorted.length });
  const ranks = new Int32Array(size);
  sorted.forEach((piece, r) => piece.pixels.forEach((p) => (ranks[p] = r + 1)));
  return { map, ranks, gains: sorted.map((s) => s.gain) };
}
