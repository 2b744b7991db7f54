/**
 * How every metric reads an attribution (defined once, here):
 * - a feature is a spatial position (all channels together); an attribution shaped like the
 *   input is reduced to a map by SUMMING over channels (as the baselines article draws
 *   maps), a spatial map [n, H, W] is taken as is;
 * - features are grouped into units (single positions, grid patches or superpixels: a
 *   FeatureMask); a unit scores the sum of its positions (or their mean, IROF);
 * - units are ranked by descending score, ties by position (a stable order, so MoRF and
 *   LeRF are exact reverses only up to ties), or in a seeded random order (the control).
 */
import type { Model } from '../engine/model.js';
import { inputSpace, type InputSpace, type Preprocessing } from '../engine/space.js';
import type { Rng } from '../random.js';
import type { FeatureMask } from '../masks/featureMask.js';
import { checkFeatureMask } from '../masks/featureMask.js';

export interface Geometry {
  space: InputSpace;
  /** Spatial positions per example (H*W for images). */
  positions: number;
  channels: number;
  /** [H, W] for images ([positions, 1] for flat inputs). */
  hw: [number, number];
  /** Element index within one example of (position p, channel c). */
  element(p: number, c: number): number;
}

export function geometry(model: Model | readonly number[], preprocessing?: Preprocessing): Geometry {
  const space = inputSpace(model, preprocessing);
  const dims = space.spatial.dims;
  const positions = dims.reduce((a, b) => a * b, 1);
  const channels = space.channels;
  const hw: [number, number] = dims.length === 2 ? [dims[0], dims[1]] : [positions, 1];
  const element =
    space.layout === 'NCHW' ? (p: number, c: number) => c * positions + p : space.layout === 'NHWC' ? (p: number, c: number) => p * channels + c : (p: number) => p;
  return { space, positions, channels, hw, element };
}

/** Attribution maps [n * positions] (float64): channel sums of input-shaped attributions, or spatial maps as given. */
export function attributionMaps(attribution: Float32Array, n: number, g: Geometry): Float64Array {
  const { positions, channels, space } = g;
  if (attribution.length === n * positions) return Float64Array.from(attribution);
  if (attribution.length !== n * space.size) {
    throw new Error(
      `attributions hold ${attribution.length} values for ${n} inputs: expected ${n * space.size} (shaped like the input) ` +
        `or ${n * positions} (one spatial map per input)`,
    );
  }
  const out = new Float64Array(n * positions);
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < positions; p++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += attribution[e * space.size + g.element(p, c)];
      out[e * positions + p] = s;
    }
  }
  return out;
}

/** Units: groups of positions (CSR layout). */
export interface Units {
  count: number;
  /** Positions of unit u: members[start[u] .. start[u+1]). */
  start: Int32Array;
  members: Int32Array;
}

export function pixelUnits(positions: number): Units {
  return { count: positions, start: Int32Array.from({ length: positions + 1 }, (_, i) => i), members: Int32Array.from({ length: positions }, (_, i) => i) };
}

export function maskUnits(mask: FeatureMask, positions: number): Units {
  checkFeatureMask(mask);
  if (mask.labels.length !== positions) throw new Error(`the feature mask covers ${mask.labels.length} positions but the input has ${positions}`);
  const start = new Int32Array(mask.count + 1);
  for (const l of mask.labels) start[l + 1]++;
  for (let u = 0; u < mask.count; u++) start[u + 1] += start[u];
  const fill = start.slice(0, -1);
  const members = new Int32Array(positions);
  mask.labels.forEach((l, p) => (members[fill[l]++] = p));
  return { count: mask.count, start, members };
}

/**
 * Square patches of `size` over [h, w], aligned as Quantus aligns them: the grid is padded
 * by (floor, ceil) of the missing pixels, so border patches are cut, symmetrically.
 */
export function patchMask(h: number, w: number, size: number): FeatureMask {
  if (!(size >= 1 && Number.isInteger(size))) throw new Error(`patch size must be a positive integer, got ${size}`);
  const padH = Math.floor(((size - (h % size)) % size) / 2);
  const padW = Math.floor(((size - (w % size)) % size) / 2);
  const cols = Math.ceil((w + ((size - (w % size)) % size)) / size);
  const labels = new Int32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) labels[y * w + x] = Math.floor((y + padH) / size) * cols + Math.floor((x + padW) / size);
  // relabel to 0..k-1 (cells are all non-empty except in degenerate cases)
  const map = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    let l = map.get(labels[i]);
    if (l === undefined) map.set(labels[i], (l = map.size));
    labels[i] = l;
  }
  return { labels, count: map.size, shape: [h, w] };
}

/** Score of each unit: sum (or mean) of the map over its positions. */
export function unitScores(map: Float64Array, units: Units, reduce: 'sum' | 'mean' = 'sum'): Float64Array {
  const out = new Float64Array(units.count);
  for (let u = 0; u < units.count; u++) {
    let s = 0;
    for (let i = units.start[u]; i < units.start[u + 1]; i++) s += map[units.members[i]];
    out[u] = reduce === 'mean' ? s / (units.start[u + 1] - units.start[u]) : s;
  }
  return out;
}

/** Indices by descending score; ties keep index order. */
export function rankDescending(scores: ArrayLike<number>): Int32Array {
  return rankBy(scores, -1);
}

/** Indices by ascending score; ties keep index order. */
export function rankAscending(scores: ArrayLike<number>): Int32Array {
  return rankBy(scores, 1);
}

/** Whether the platform stores a float64's low word first (the radix sort reads the words). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Indices by ascending sign x score, ties in index order: a stable LSD radix sort (8 passes
 * of 8 bits) of the scores' float64 bits mapped to unsigned order. Sorting the indices with
 * a comparator callback cost ~10x more (2 ms for the 16 maps of 784 pixels of a
 * Fashion-MNIST pixel-flipping run). Scores that are not all finite (their differences can
 * be NaN) keep the comparator sort, whatever it does.
 */
function rankBy(scores: ArrayLike<number>, sign: 1 | -1): Int32Array {
  const n = scores.length;
  let idx = new Int32Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    if (!Number.isFinite(v)) {
      for (let j = 0; j < n; j++) idx[j] = j;
      return idx.sort((a, b) => sign * (scores[a] - scores[b]) || a - b);
    }
    values[i] = sign * v + 0; // + 0: -0 becomes 0 (equal scores tie)
  }
  // unsigned keys in value order: flip every bit of negatives, the sign bit of the others
  const bits = new Uint32Array(values.buffer);
  const hiAt = LITTLE_ENDIAN ? 1 : 0;
  let lo = new Uint32Array(n), hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = bits[2 * i + hiAt], l = bits[2 * i + 1 - hiAt];
    const negative = h >>> 31 === 1;
    hi[i] = negative ? ~h >>> 0 : (h ^ 0x80000000) >>> 0;
    lo[i] = negative ? ~l >>> 0 : l;
    idx[i] = i;
  }
  let idx2 = new Int32Array(n), lo2 = new Uint32Array(n), hi2 = new Uint32Array(n);
  const count = new Int32Array(256);
  for (let pass = 0; pass < 8; pass++) {
    const word = pass < 4 ? lo : hi, shift = 8 * (pass % 4);
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i] >>> shift) & 255]++;
    if (count[(word[0] >>> shift) & 255] === n) continue; // this byte is the same everywhere
    for (let b = 0, at = 0; b < 256; b++) {
      const c = count[b];
      count[b] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const o = count[(word[i] >>> shift) & 255]++;
      idx2[o] = idx[i];
      lo2[o] = lo[i];
      hi2[o] = hi[i];
    }
    const i3 = idx, l3 = lo, h3 = hi;
    (idx = idx2), (idx2 = i3), (lo = lo2), (lo2 = l3), (hi = hi2), (hi2 = h3);
  }
  return idx;
}

/** A uniformly random order of 0..count-1 (Fisher-Yates). */
export function randomRanking(count: number, rng: Rng): Int32Array {
  const idx = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

export type Order = 'morf' | 'lerf' | 'random';

/** Rank the units of one map: most relevant first (MoRF), least relevant first (LeRF) or random. */
export function rankUnits(scores: Float64Array, order: Order, rng?: Rng): Int32Array {
  if (order === 'morf') return rankDescending(scores);
  if (order === 'lerf') return rankAscending(scores);
  if (!rng) throw new Error('a random ranking needs a generator');
  return randomRanking(scores.length, rng);
}
