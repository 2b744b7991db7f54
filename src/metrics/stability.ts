/**
 * What the robustness metrics share: explain `samples` perturbed copies of every input
 * (x' = x + delta, delta uniform in [-radius, radius] or Gaussian with sd `radius`, drawn
 * from rngFor(seed, input, sample), so batching changes nothing), in chunks of batchSize
 * through the context's explain callback, and hand each (x, x', e(x), e(x'), logits) to a
 * per-sample measure; the metric then takes the max or the mean over samples. Perturbed
 * inputs and explanations are never all held at once.
 */
import type { Model, Target } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { rngFor } from '../random.js';
import type { TargetSpec } from '../methods/attribution.js';
import { remapTarget } from '../methods/runner.js';
import type { MetricCall } from './common.js';
import { prepare } from './common.js';
import type { MetricContext } from './descriptor.js';
import { attributionMaps } from './features.js';

export type Explain = NonNullable<MetricContext['explain']>;

export interface StabilityOptions extends MetricCall {
  explain?: Explain;
  samples: number;
  noise: 'uniform' | 'gaussian';
  radius: number;
  /** Drop samples whose predicted class differs from the input's (they count as NaN, ignored). */
  skipChangedPredictions: boolean;
  /** Test hook: the perturbed input for (input e, sample s); default x + noise. */
  perturb?: (x: Float32Array, e: number, s: number) => Float32Array;
}

export interface SampleView {
  e: number;
  x: Float32Array;
  xp: Float32Array;
  ex: Float32Array;
  exp: Float32Array;
  /** The logits of x and x' (zeros unless the prediction check or the measure asks for them). */
  logits: Float32Array;
  logitsP: Float32Array;
}

/** The target spec of the points of one chunk (point i is input exampleOf(i)). */
export function chunkTarget(spec: TargetSpec, exampleOf: (i: number) => number, m: number): TargetSpec {
  if (typeof spec === 'number') return spec;
  if (Array.isArray(spec)) return Array.from({ length: m }, (_, i) => (spec as number[])[exampleOf(i)]);
  return remapTarget(spec as Target, exampleOf);
}

function argmax(v: Float32Array): number {
  let b = 0;
  for (let k = 1; k < v.length; k++) if (v[k] > v[b]) b = k;
  return b;
}

/** Per-sample measures [n][samples] (NaN where skipped), streamed. */
export async function stabilitySamples(
  model: Model,
  input: Float32Array,
  attribution: Float32Array,
  o: StabilityOptions,
  measure: (v: SampleView) => number,
  /** The measure reads the logits (ROS): run the perturbed copies forward even when no prediction check is asked for. */
  measureUsesLogits = false,
): Promise<Float64Array[]> {
  if (!o.explain) throw new Error('robustness metrics re-explain perturbed inputs: pass the method as `explain` (the context explain callback)');
  const p = prepare(model, input, attribution, o);
  const per = sizeOfShape(model.inputShape);
  const outSize = sizeOfShape(model.outputShape);
  const S = o.samples;
  const total = p.n * S;
  const needLogits = o.skipChangedPredictions || measureUsesLogits;
  const logits = needLogits ? (await model.run(input, { outputs: ['logits'] }))['logits'] : new Float32Array(p.n * outSize);
  const out = Array.from({ length: p.n }, () => new Float64Array(S).fill(NaN));
  const buffer = new Float32Array(Math.min(p.batch, total) * per);
  for (let start = 0; start < total; start += p.batch) {
    const m = Math.min(p.batch, total - start);
    const points = buffer.subarray(0, m * per);
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / S), s = (start + i) % S;
      const x = input.subarray(e * per, (e + 1) * per);
      const dest = points.subarray(i * per, (i + 1) * per);
      if (o.perturb) dest.set(o.perturb(x, e, s));
      else {
        const rng = rngFor(o.seed ?? 0, e, s), radius = o.radius;
        if (o.noise === 'uniform') for (let j = 0; j < per; j++) dest[j] = x[j] + (2 * rng.float() - 1) * radius;
        else for (let j = 0; j < per; j++) dest[j] = x[j] + rng.normal() * radius;
      }
    }
    const exampleOf = (i: number) => Math.floor((start + i) / S);
    let expl = await o.explain(model, points, chunkTarget(o.target, exampleOf, m));
    const logitsP = needLogits ? (await model.run(points, { outputs: ['logits'] }))['logits'] : new Float32Array(m * outSize);
    const size = expl.length / m;
    let attr = attribution;
    if (size !== attribution.length / p.n) {
      // one is a spatial map, the other shaped like the input: compare channel-summed maps
      expl = Float32Array.from(attributionMaps(expl, m, p.g));
      attr = Float32Array.from(p.maps);
    }
    const aSize = attr.length / p.n;
    for (let i = 0; i < m; i++) {
      const e = exampleOf(i), s = (start + i) % S;
      const view: SampleView = {
        e,
        x: input.subarray(e * per, (e + 1) * per),
        xp: points.subarray(i * per, (i + 1) * per),
        ex: attr.subarray(e * aSize, (e + 1) * aSize),
        exp: expl.subarray(i * aSize, (i + 1) * aSize),
        logits: logits.subarray(e * outSize, (e + 1) * outSize),
        logitsP: logitsP.subarray(i * outSize, (i + 1) * outSize),
      };
      if (o.skipChangedPredictions && argmax(view.logits) !== argmax(view.logitsP)) continue;
      out[e][s] = measure(view);
    }
    o.progress?.(start + m, total);
  }
  return out;
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Max / mean over the samples that were kept (NaN when none was). */
export function nanMax(v: Float64Array): number {
  let m = NaN;
  for (const x of v) if (!Number.isNaN(x) && !(x <= m)) m = x;
  return m;
}

export function nanMean(v: Float64Array): number {
  let s = 0, k = 0;
  for (const x of v) if (!Number.isNaN(x)) (s += x), k++;
  return k ? s / k : NaN;
}

export const stabilityOptions = (samples: number, noise: 'uniform' | 'gaussian', radius: number, skip: boolean) => ({
  samples: { kind: 'integer' as const, default: samples, min: 1, description: 'perturbed copies per input' },
  noise: { kind: 'choice' as const, choices: ['uniform', 'gaussian'] as const, default: noise as string, description: 'uniform in [-radius, radius] or Gaussian with sd radius (model-space units)' },
  radius: { kind: 'number' as const, default: radius, min: 0, description: 'size of the perturbation' },
  skipChangedPredictions: { kind: 'boolean' as const, default: skip, description: 'ignore perturbed copies whose predicted class changed' },
});

export const EPS = 1e-6;

/** ||(a - b) / a|| with zeros of a replaced by EPS (Quantus' relative stability numerator). */
export function relativeNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] - b[i]) / (a[i] === 0 ? EPS : a[i])) ** 2;
  return Math.sqrt(s);
}
