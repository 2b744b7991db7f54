/**
 * Colour scales from d3-scale-chromatic (ColorBrewer, matplotlib's perceptual maps, Turbo),
 * sampled once into lookup tables. Sequential scales show magnitudes in [0, 1]; diverging
 * scales show signed values in [-1, 1] with zero at the scale's centre colour.
 *
 * Defaults: magnitude 'inferno' (dark = no attribution, bright = most), signed 'PiYG'
 * (negative pink, zero near-white, positive green: Captum's red/green convention in a
 * colour-blind-safer ColorBrewer scale). Any d3 interpolator name works ('viridis', 'RdBu',
 * 'Greys', 'turbo' ...), with `reverse` to flip it.
 */
import * as chromatic from 'd3-scale-chromatic';
import { createRgba, type RgbaImage } from './rgba.js';

/** Odd, so that t = 0.5 (a signed value of 0) is an exact entry. */
export const LUT_SIZE = 257;

export const DEFAULT_SEQUENTIAL = 'inferno';
export const DEFAULT_DIVERGING = 'PiYG';

export const DIVERGING_SCALES = ['BrBG', 'PRGn', 'PiYG', 'PuOr', 'RdBu', 'RdGy', 'RdYlBu', 'RdYlGn', 'Spectral'] as const;

type Interpolator = (t: number) => string;

function interpolatorNames(): string[] {
  return Object.keys(chromatic)
    .filter((k) => k.startsWith('interpolate'))
    .map((k) => k.slice('interpolate'.length));
}

/** The d3 interpolator called `name` (case-insensitive: 'viridis', 'RdBu', 'rdbu'). */
export function interpolator(name: string): Interpolator {
  const key = interpolatorNames().find((n) => n.toLowerCase() === name.toLowerCase());
  if (!key) throw new Error(`unknown colour scale '${name}'; known: ${interpolatorNames().join(', ')}`);
  return (chromatic as unknown as Record<string, Interpolator>)[`interpolate${key}`];
}

/** Parse the colours d3 interpolators return: '#rrggbb' or 'rgb(r, g, b)'. */
export function parseColour(text: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /^rgb\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)$/.exec(text);
  if (rgb) return [Math.round(+rgb[1]), Math.round(+rgb[2]), Math.round(+rgb[3])];
  throw new Error(`unparseable colour '${text}'`);
}

export interface ColourScale {
  name: string;
  reverse: boolean;
  /** LUT_SIZE x 3 bytes, entry i is the colour at t = i / (LUT_SIZE - 1). */
  lut: Uint8Array;
  /** Colour of t in [0, 1] (clamped), from the table. */
  at(t: number): [number, number, number];
}

const cache = new Map<string, ColourScale>();

export function colourScale(name: string, reverse = false): ColourScale {
  const id = `${name.toLowerCase()}|${reverse}`;
  const hit = cache.get(id);
  if (hit) return hit;
  const f = interpolator(name);
  const lut = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = i / (LUT_SIZE - 1);
    lut.set(parseColour(f(reverse ? 1 - t : t)), i * 3);
  }
  const at = (t: number): [number, number, number] => {
    const i = lutIndex(t);
    return [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];
  };
  const scale = { name, reverse, lut, at };
  cache.set(id, scale);
  return scale;
}

function lutIndex(t: number): number {
  if (!(t > 0)) return 0; // also NaN
  if (t >= 1) return LUT_SIZE - 1;
  return Math.round(t * (LUT_SIZE - 1));
}

export interface ColouriseOptions {
  /** Scale name; default 'inferno' for magnitudes, 'PiYG' for signed values. */
  scale?: string;
  reverse?: boolean;
  /** Values in [-1, 1] on a diverging scale (zero at its centre) instead of [0, 1]. */
  signed?: boolean;
}

/** Scaled values (see normalize.ts) -> an opaque RGBA image of width x height. */
export function colourise(values: ArrayLike<number>, width: number, height: number, options: ColouriseOptions = {}): RgbaImage {
  if (values.length !== width * height) throw new Error(`${values.length} values cannot fill a ${width} x ${height} image`);
  const scale = colourScale(options.scale ?? (options.signed ? DEFAULT_DIVERGING : DEFAULT_SEQUENTIAL), options.reverse);
  const out = createRgba(width, height);
  const { lut } = scale;
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    const i = lutIndex(options.signed ? (v + 1) / 2 : v) * 3;
    out.data[p * 4] = lut[i];
    out.data[p * 4 + 1] = lut[i + 1];
    out.data[p * 4 + 2] = lut[i + 2];
    out.data[p * 4 + 3] = 255;
  }
  return out;
}

/** A horizontal colour bar (for legends), `width` x `height`, left = t 0, right = t 1. */
export function colourBar(width: number, height: number, options: ColouriseOptions = {}): RgbaImage {
  const values = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = width === 1 ? 0.5 : x / (width - 1);
      values[y * width + x] = options.signed ? 2 * t - 1 : t;
    }
  }
  return colourise(values, width, height, options);
}
