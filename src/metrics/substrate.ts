/**
 * Substrates: what a removed feature is replaced with. A baseline substrate gives one
 * replacement image per input (zero, black, the image's per-channel mean, its blur, or any
 * Baseline of src/baselines); ROAD's noisy linear imputation instead fills the removed
 * positions from their kept neighbours, so it depends on which positions are removed.
 */
import { drawBaselines, toSampler, type Baseline } from '../baselines/baseline.js';
import { blurImage } from '../baselines/blur.js';
import { constantBaseline } from '../baselines/constant.js';
import { Rng, rngFor } from '../random.js';
import type { Geometry } from './features.js';
import { NoisyLinearImputer } from './imputation.js';

export interface Substrate {
  readonly label: string;
  readonly random: boolean;
  /** Replacement values for input `e` (one example). */
  replacement?(input: Float32Array, e: number): Float32Array;
  /** Fill the removed positions of `dest` (which holds the input) in place. */
  impute?(dest: Float32Array, removed: Uint8Array, rng: Rng): void;
}

export const SUBSTRATES = ['zero', 'black', 'mean', 'blur', 'road'] as const;
export type SubstrateName = (typeof SUBSTRATES)[number];

export interface SubstrateOptions {
  /** Blur sigma in pixels (blur). */
  sigma?: number;
  /** Blur kernel half-width in sigmas (default 4). */
  truncate?: number;
  /** Noise sd of ROAD's imputation (model-space units). */
  noise?: number;
  seed?: number;
}

/** Per-channel mean of one example, broadcast to its shape. */
export function channelMeanImage(input: Float32Array, g: Geometry): Float32Array {
  const out = new Float32Array(input.length);
  for (let c = 0; c < g.channels; c++) {
    let s = 0;
    for (let p = 0; p < g.positions; p++) s += input[g.element(p, c)];
    const m = s / g.positions;
    for (let p = 0; p < g.positions; p++) out[g.element(p, c)] = m;
  }
  return out;
}

export function makeSubstrate(spec: SubstrateName | Baseline, g: Geometry, options: SubstrateOptions = {}): Substrate {
  const seed = options.seed ?? 0;
  if (spec === 'zero') return { label: 'zero', random: false, replacement: (x) => new Float32Array(x.length) };
  if (spec === 'black') {
    const black = constantBaseline(g.space, 'black');
    return { label: 'black', random: false, replacement: () => black };
  }
  if (spec === 'mean') return { label: 'mean', random: false, replacement: (x) => channelMeanImage(x, g) };
  if (spec === 'blur') {
    const sigma = options.sigma ?? 5;
    return { label: `blur(sigma=${sigma})`, random: false, replacement: (x) => blurImage(x, g.space, { sigma, truncate: options.truncate }) };
  }
  if (spec === 'road') {
    const noise = options.noise ?? 0.01;
    const imputer = new NoisyLinearImputer(g, noise);
    return { label: `noisy linear imputation(noise=${noise})`, random: noise > 0, impute: (dest, removed, rng) => imputer.impute(dest, removed, rng) };
  }
  if (typeof spec === 'string') throw new Error(`unknown substrate '${spec}': use one of ${SUBSTRATES.join(', ')} or a Baseline`);
  const sampler = toSampler(spec, g.space.size);
  return {
    label: sampler.label,
    random: sampler.random,
    replacement: (x, e) => drawBaselines(sampler, x, g.space.size, () => rngFor(seed, e)),
  };
}
