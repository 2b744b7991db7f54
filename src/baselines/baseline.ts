/**
 * What a baseline is: a tensor (one example, broadcast to every input, or one per
 * input), a number (every element), or a sampler `(input, rng) -> tensor` that
 * makes a baseline for one example (blur and max-distance depend on the input;
 * uniform, gaussian and dataset are random and are averaged over `samples`).
 */
import type { Rng } from '../random.js';

export type SampleFn = (input: Float32Array, rng: Rng) => Float32Array;

export interface BaselineSampler {
  /** Short human-readable description, e.g. "blur(sigma=5)". */
  readonly label: string;
  /** Whether two draws for the same input can differ (then methods average over samples). */
  readonly random: boolean;
  /** A baseline for one example (a new array of the example's size). */
  sample: SampleFn;
}

export type Baseline = number | Float32Array | BaselineSampler | SampleFn;

export function makeSampler(label: string, random: boolean, sample: SampleFn): BaselineSampler {
  return { label, random, sample };
}

/** Normalise any baseline to a sampler (plain functions count as random). */
export function toSampler(baseline: Baseline, size: number): BaselineSampler {
  if (typeof baseline === 'number') {
    return makeSampler(`constant(${baseline})`, false, () => new Float32Array(size).fill(baseline));
  }
  if (baseline instanceof Float32Array) {
    if (baseline.length !== size) {
      throw new Error(`a baseline tensor used as a sampler must hold one example (${size} values), got ${baseline.length}`);
    }
    return makeSampler('tensor', false, () => baseline.slice());
  }
  if (typeof baseline === 'function') return makeSampler(baseline.name || 'sampler', true, baseline);
  return baseline;
}

export function describeBaseline(baseline: Baseline): string {
  if (typeof baseline === 'number') return `constant(${baseline})`;
  if (baseline instanceof Float32Array) return `tensor[${baseline.length}]`;
  if (typeof baseline === 'function') return baseline.name || 'sampler';
  return baseline.label;
}

export function isRandom(baseline: Baseline): boolean {
  if (typeof baseline === 'number' || baseline instanceof Float32Array) return false;
  if (typeof baseline === 'function') return true;
  return baseline.random;
}

/**
 * Baselines for n examples (n * size values): a tensor of one example is broadcast, a
 * tensor of n examples is used as is, a sampler is drawn once per example with that
 * example's generator (`rngs[e]`).
 */
export function drawBaselines(baseline: Baseline, inputs: Float32Array, size: number, rngs: (e: number) => Rng): Float32Array {
  const n = inputs.length / size;
  if (typeof baseline === 'number') return new Float32Array(inputs.length).fill(baseline);
  if (baseline instanceof Float32Array) {
    if (baseline.length === inputs.length) return baseline;
    if (baseline.length === size) {
      const out = new Float32Array(inputs.length);
      for (let e = 0; e < n; e++) out.set(baseline, e * size);
      return out;
    }
    throw new Error(
      `the baseline holds ${baseline.length} values; expected one example (${size}) or one per input (${inputs.length}). ` +
        'For a set of baselines to sample from, use datasetBaseline(...)',
    );
  }
  const sampler = toSampler(baseline, size);
  const out = new Float32Array(inputs.length);
  for (let e = 0; e < n; e++) {
    const b = sampler.sample(inputs.subarray(e * size, (e + 1) * size), rngs(e));
    if (b.length !== size) throw new Error(`baseline sampler '${sampler.label}' returned ${b.length} values; expected ${size}`);
    out.set(b, e * size);
  }
  return out;
}
