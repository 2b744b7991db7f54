/**
 * Shapley value sampling (Castro et al. 2009), as Captum's ShapleyValueSampling: for each
 * of `samples` random orderings of the features, start from the baseline and add the
 * input's features one at a time in that order; each feature is credited with the change
 * of the target when it joins. The average over orderings is an unbiased estimate of its
 * Shapley value (exact when every ordering is used). Orderings are drawn per input from
 * its own seeded stream; `permutations` fixes them (the same for every input, as Captum).
 * Cost: 2 + samples x (features - 1) forward passes per input: every ordering ends on the
 * same point (all features present), evaluated once. With a model that has runEdited (ONNX)
 * and an NCHW image, each ordering is one chain of edits (shapleyChains.ts): each point
 * recomputes only the layers its added feature's box reaches.
 */
import type { Model } from '../../engine/model.js';
import { describeBaseline, type Baseline } from '../../baselines/baseline.js';
import { rngFor, type Rng } from '../../random.js';
import type { Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { applyCoalition, checkPermutation, startFeatureRun, segmentsCount, featureRunOptions, segmentsOption, type FeaturesOption } from './features.js';
import { forwardStream } from './stream.js';
import { orderingValues } from './shapleyChains.js';
import { canEdit, featureBounds } from './featureEdits.js';

export interface ShapleySamplingOptions extends CommonOptions {
  features?: FeaturesOption;
  /** Absent features take the baseline's values. Default 0 (Captum's default). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Number of random orderings. Default 25 (Captum's default). */
  samples?: number;
  /** Seed of the orderings and of random baselines. Default 0. */
  seed?: number;
  /** Fixed orderings of the features, used for every input (samples is then their number). */
  permutations?: readonly (readonly number[])[];
  /**
   * Send each ordering to the model's runEdited as a chain of edits when it has one and the
   * input is an NCHW image (the ONNX engine then recomputes, for each point, only the layers
   * the added superpixel's box reaches: the same values to float32 rounding, faster).
   * false: build every point and run it in full. Default true.
   */
  incremental?: boolean;
}

export const shapleyDefaults = { samples: 25 };

export function shuffled(k: number, rng: Rng): number[] {
  const p = [...Array(k).keys()];
  for (let i = k - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export async function shapleySampling(model: Model, input: Float32Array, options: ShapleySamplingOptions = {}): Promise<Attribution> {
  const { n, runner, target, features, seed, baselineSpec, baselines } = await startFeatureRun(model, input, options);
  const per = runner.per;
  const samples = options.permutations?.length ?? options.samples ?? shapleyDefaults.samples;
  if (!(Number.isInteger(samples) && samples >= 1)) throw new Error(`samples must be a positive integer, got ${samples}`);
  // Every ordering ends on the same point, all features present (the input itself when the
  // features cover it): it is evaluated once per input, beside the baseline, instead of once
  // per ordering (Captum evaluates it every time; the same input gives the same output).
  const ends = new Float32Array(2 * n * per);
  ends.set(baselines);
  for (let ex = 0; ex < n; ex++) {
    const f = features.of(ex);
    const x = input.subarray(ex * per, (ex + 1) * per);
    applyCoalition(ends.subarray((n + ex) * per, (n + ex + 1) * per), x, baselines.subarray(ex * per, (ex + 1) * per), new Uint8Array(f.count).fill(1), f);
  }
  const endValues = await runner.values(ends, (i) => i % n);
  const fb = (ex: number) => Math.fround(endValues[ex]);
  const fAll = (ex: number) => Math.fround(endValues[n + ex]);
  const contrib: Float64Array[] = Array.from({ length: n }, (_, i) => new Float64Array(features.of(i).count));

  // points of input e: samples orderings x (K_e - 1) steps (the last step is fAll); point start of each input
  const start = new Int32Array(n + 1);
  for (let e = 0; e < n; e++) start[e + 1] = start[e] + samples * (features.of(e).count - 1);
  const exampleOf = (p: number) => {
    let lo = 0;
    while (start[lo + 1] <= p) lo++;
    return lo;
  };
  let e = -1; // the input whose orderings are being filled (points are visited in order)
  let order: number[] = [];
  let rng: Rng | undefined;
  const current = new Float32Array(per);
  const nextOrder = (ex: number, s: number, k: number): number[] => {
    if (ex !== e) [e, rng] = [ex, rngFor(seed, ex, 1)];
    const o = options.permutations ? [...options.permutations[s]] : shuffled(k, rng!);
    if (options.permutations) checkPermutation(o, k, `fixed ordering ${s}`);
    return o;
  };
  /** Credit one ordering: its points' values (all but the last point, which is fAll), in order. */
  const creditOrdering = (ex: number, o: readonly number[], v: ArrayLike<number>) => {
    let prev = fb(ex);
    for (let t = 0; t < o.length - 1; t++) {
      const value = Math.fround(v[t]);
      contrib[ex][o[t]] += value - prev;
      prev = value;
    }
    contrib[ex][o[o.length - 1]] += fAll(ex) - prev;
  };
  if (canEdit(model, features.space, options.incremental)) {
    // each ordering is a chain of edits (shapleyChains.ts): one runEdited call per input and ordering
    for (let ex = 0; ex < n; ex++) {
      const f = features.of(ex);
      if (f.count === 1) continue;
      const bounds = featureBounds(f, features.space.shape);
      const x = input.subarray(ex * per, (ex + 1) * per);
      const b = baselines.subarray(ex * per, (ex + 1) * per);
      for (let s = 0; s < samples; s++) {
        const o = nextOrder(ex, s, f.count);
        creditOrdering(ex, o, await orderingValues(runner, x, b, f, bounds, features.space.shape, o, ex));
      }
    }
  } else {
    const orders = new Map<number, number[]>(); // by its first point: an ordering filled, not yet consumed
    let values = new Float64Array(0); // the points of the ordering being consumed
    await forwardStream(
      runner,
      start[n],
      exampleOf,
      (p, dest) => {
        const ex = exampleOf(p);
        const f = features.of(ex);
        const steps = f.count - 1;
        const t = (p - start[ex]) % steps;
        if (t === 0) {
          order = nextOrder(ex, Math.floor((p - start[ex]) / steps), f.count);
          orders.set(p, order);
          current.set(baselines.subarray(ex * per, (ex + 1) * per));
        }
        const k = order[t];
        for (let q = f.offsets[k]; q < f.offsets[k + 1]; q++) current[f.order[q]] = input[ex * per + f.order[q]];
        dest.set(current);
      },
      (first, m, out) => {
        for (let i = 0; i < m; i++) {
          const p = first + i;
          const ex = exampleOf(p);
          const steps = features.of(ex).count - 1;
          const t = (p - start[ex]) % steps;
          if (t === 0) values = new Float64Array(steps);
          values[t] = out[i];
          if (t === steps - 1) {
            creditOrdering(ex, orders.get(p - t)!, values);
            orders.delete(p - t);
          }
        }
      },
    );
  }
  // a single feature: every ordering is that feature alone (its orderings are still drawn, as the stream would)
  for (let ex = 0; ex < n; ex++) {
    if (features.of(ex).count !== 1) continue;
    for (let s = 0; s < samples; s++) contrib[ex][nextOrder(ex, s, 1)[0]] += fAll(ex) - fb(ex);
  }
  const values = new Float32Array(n * per);
  for (let ex = 0; ex < n; ex++) {
    const f = features.of(ex);
    for (let j = 0; j < per; j++) values[ex * per + j] = contrib[ex][f.labels[j]] / samples;
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'shapleySampling',
    params: { features: features.describe, samples, baseline: describeBaseline(baselineSpec), seed, fixedPermutations: options.permutations !== undefined, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'shapleysampling',
  aliases: ['shapley', 'shapleyvaluesampling'],
  title: 'Shapley value sampling',
  family: 'perturbation',
  summary: 'Shapley values of the features estimated over random orderings (Castro et al. 2009; Captum ShapleyValueSampling)',
  needs: { gradients: false, baseline: true },
  options: {
    samples: { kind: 'integer', default: shapleyDefaults.samples, min: 1, description: 'random orderings of the features' },
    segments: segmentsOption,
    incremental: { kind: 'boolean', default: true, description: 'run each ordering as a chain of edits, recomputing only the layers each added feature reaches (ONNX image models; same values to float32 rounding); false: run every point in full' },
  },
  random: true,
  cost: (n, o, c) => n * (2 + o.samples * (segmentsCount(c.inputShape, o.segments) - 1)),
  run: (model, input, o, c) =>
    shapleySampling(model, input, {
      samples: o.samples,
      ...featureRunOptions(model, o.segments, c),
      incremental: o.incremental,
    }),
  order: 40,
});
