/**
 * Faithfulness correlation (Bhatt et al. 2020), as Quantus FaithfulnessCorrelation: `runs`
 * times, replace a random subset of `subsetSize` pixels by the substrate and record the sum
 * of the map over the subset and the drop f(x) - f(x'); the score is their Pearson
 * correlation over the runs (the target's logit by default). Higher is better.
 * Subsets are drawn from rngFor(seed, input, run); Quantus draws them with numpy's global
 * generator and its 'black' substrate is each image's minimum (here pixel 0).
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { rngFor, type Rng } from '../random.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, mapOf, outputOption, prepare, sigmaOption, substrateOption, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { makeSubstrate, type SubstrateName } from './substrate.js';
import { metricTarget, streamTargetValues, targetValues, type MetricOutput } from './target.js';

export const FAITHFULNESS_CORRELATION_OPTIONS = {
  runs: { kind: 'integer' as const, default: 100, min: 2, description: 'random subsets per input' },
  subsetSize: { kind: 'integer' as const, default: 224, min: 1, description: 'pixels per subset' },
  substrate: substrateOption('black'),
  sigma: sigmaOption,
  output: outputOption('logit'),
};

export type FaithfulnessCorrelationOptions = Partial<OptionValues<typeof FAITHFULNESS_CORRELATION_OPTIONS>> & MetricCall & {
  /** Test hook: the subset of run r for input e (positions). */
  subsets?: (e: number, run: number) => ArrayLike<number>;
};

/** The swaps of the last draw on a scratch (reused: a draw allocates nothing when given `scratch` and `out`). */
let swaps = new Int32Array(0);

/**
 * k distinct values of 0..n-1 (partial Fisher-Yates). `scratch` (0..n-1 in order, length n)
 * saves allocating n values per draw: it is shuffled and then restored, so the draw is the
 * same. `out` (length k) receives the draw instead of a new array.
 */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng, scratch?: Int32Array, out?: Int32Array): Int32Array {
  if (k > n) throw new Error(`cannot draw ${k} distinct pixels out of ${n}: lower subsetSize`);
  const idx = scratch ?? Int32Array.from({ length: n }, (_, i) => i);
  if (swaps.length < k) swaps = new Int32Array(k);
  const js = swaps;
  for (let i = 0; i < k; i++) {
    const j = (js[i] = i + rng.int(n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const draw = out ?? new Int32Array(k);
  for (let i = 0; i < k; i++) draw[i] = idx[i];
  if (scratch) for (let i = k - 1; i >= 0; i--) {
    const t = idx[i];
    idx[i] = idx[js[i]];
    idx[js[i]] = t;
  }
  return draw;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i] / n), (mb += b[i] / n);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export async function faithfulnessCorrelation(model: Model, input: Float32Array, attribution: Float32Array, options: FaithfulnessCorrelationOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(FAITHFULNESS_CORRELATION_OPTIONS), ...definedOnly(options) } as OptionValues<typeof FAITHFULNESS_CORRELATION_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const per = sizeOfShape(model.inputShape);
  const target = metricTarget(model, options.target, o.output as MetricOutput);
  const f0 = await targetValues(model, input, target, p.batch);
  const substrate = makeSubstrate(o.substrate as SubstrateName, p.g, { sigma: o.sigma, seed: options.seed });
  const R = o.runs;
  const scratch = Int32Array.from({ length: p.g.positions }, (_, i) => i);
  const drawn = new Int32Array(o.subsetSize);
  const subsetOf = (e: number, r: number) => options.subsets?.(e, r) ?? sampleWithoutReplacement(p.g.positions, o.subsetSize, rngFor(options.seed ?? 0, e, r), scratch, drawn);
  const sums = Array.from({ length: p.n }, () => new Float64Array(R));
  let cached = -1;
  let replacement: Float32Array = new Float32Array(0);
  const values = await streamTargetValues(model, target, p.n * R, p.batch, (i) => Math.floor(i / R), (i, dest) => {
    const e = Math.floor(i / R), r = i % R;
    const x = input.subarray(e * per, (e + 1) * per);
    if (cached !== e) (replacement = substrate.replacement!(x, e)), (cached = e);
    dest.set(x);
    const map = mapOf(p, e);
    let s = 0;
    const subset = subsetOf(e, r);
    for (let j = 0; j < subset.length; j++) {
      const q = subset[j];
      s += map[q];
      for (let c = 0; c < p.g.channels; c++) dest[p.g.element(q, c)] = replacement[p.g.element(q, c)];
    }
    sums[e][r] = s;
  }, options.progress);
  const scores = Float64Array.from(sums, (a, e) => pearson(a, Float64Array.from({ length: R }, (_, r) => f0[e] - values[e * R + r])));
  return { metric: 'faithfulness-correlation', scores };
}

export const descriptor = defineMetric({
  name: 'faithfulness-correlation',
  aliases: ['faithfulnesscorrelation'],
  title: 'Faithfulness correlation',
  family: 'faithfulness',
  summary: 'Pearson correlation between the relevance of random pixel subsets and the output drop when they are removed (Bhatt et al. 2020)',
  higherIsBetter: true,
  needs: {},
  options: FAITHFULNESS_CORRELATION_OPTIONS,
  random: true,
  cost: (n, o) => n * (o.runs + 1),
  run: (model, input, attribution, options, context) => faithfulnessCorrelation(model, input, attribution, { ...options, ...callOf(context) }),
  order: 40,
});
