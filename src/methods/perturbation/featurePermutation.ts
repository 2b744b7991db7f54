/**
 * Feature permutation (permutation importance per example), as Captum's FeaturePermutation:
 * for each feature of a mask shared by the batch, its values are shuffled across the
 * inputs (a random permutation of the batch that is not the identity), and each input's
 * attribution for that feature is f(x) - f(x with the feature taken from another input).
 * It needs at least two inputs; the batch is the data the feature is permuted over.
 */
import type { Model } from '../../engine/model.js';
import { BadInputError } from '../../errors.js';
import { countExamples } from '../../engine/model.js';
import { rngFor, type Rng } from '../../random.js';
import type { Preprocessing } from '../../engine/space.js';
import type { FeatureMask } from '../../masks/featureMask.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { checkPermutation, featuresFor, segmentsCount, segmentFeatures, segmentsOption, type FeaturesOption } from './features.js';
import { forwardStream } from './stream.js';

export interface FeaturePermutationOptions extends CommonOptions {
  /** One mask shared by every input. Default: a grid fitting the input. */
  features?: FeatureMask;
  preprocessing?: Preprocessing;
  /** Seed of the permutations (one per feature). Default 0. */
  seed?: number;
  /** Fixed permutations of the batch, one per feature (e.g. to reproduce another implementation). */
  permutations?: readonly (readonly number[])[];
}

/** A uniformly random permutation of 0..n-1 that is not the identity (Captum redraws identities). */
export function derangedOrder(n: number, rng: Rng): number[] {
  for (;;) {
    const p = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    if (p.some((v, i) => v !== i)) return p;
  }
}

export async function featurePermutation(model: Model, input: Float32Array, options: FeaturePermutationOptions = {}): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  if (n < 2) throw new BadInputError('feature permutation shuffles each feature across the inputs, so it needs at least two: give several images (repeat --image, or a folder) or a batch of inputs');
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const f = featuresFor(model, input, options.features, options.preprocessing).of(0);
  const seed = options.seed ?? 0;
  if (options.permutations && options.permutations.length !== f.count) {
    throw new Error(`${options.permutations.length} permutations given for ${f.count} features (one per feature)`);
  }
  options.permutations?.forEach((p, k) => checkPermutation(p, n, `the permutation of feature ${k}`));
  const perms = Array.from({ length: f.count }, (_, k) => options.permutations?.[k] ?? derangedOrder(n, rngFor(seed, k)));
  const fx = await runner.values(input, (i) => i);
  const values = new Float32Array(n * per);
  await forwardStream(
    runner,
    f.count * n,
    (p) => p % n,
    (p, dest) => {
      const k = Math.floor(p / n);
      const e = p % n;
      const from = perms[k][e] * per;
      dest.set(input.subarray(e * per, (e + 1) * per));
      for (let q = f.offsets[k]; q < f.offsets[k + 1]; q++) dest[f.order[q]] = input[from + f.order[q]];
    },
    (start, m, out) => {
      for (let i = 0; i < m; i++) {
        const k = Math.floor((start + i) / n);
        const e = (start + i) % n;
        const drop = Math.fround(fx[e]) - Math.fround(out[i]);
        for (let q = f.offsets[k]; q < f.offsets[k + 1]; q++) values[e * per + f.order[q]] = drop;
      }
    },
  );
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'featurePermutation',
    params: { features: f.count, seed, fixedPermutations: options.permutations !== undefined, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

function sharedMask(features: FeaturesOption): FeatureMask {
  if (typeof features === 'function' || Array.isArray(features)) {
    throw new Error('feature permutation needs one mask shared by every input (features are swapped between inputs): use grid segments');
  }
  return features as FeatureMask;
}

export const descriptor = defineMethod({
  name: 'featurepermutation',
  aliases: ['permutation', 'permutationimportance'],
  title: 'Feature permutation',
  family: 'perturbation',
  summary: 'Drop of the target when a feature is shuffled across the batch of inputs (permutation importance; Captum FeaturePermutation)',
  needs: { gradients: false },
  options: { segments: segmentsOption },
  random: true,
  cost: (n, o, c) => n * (1 + segmentsCount(c.inputShape, o.segments)),
  run: (model, input, o, c) =>
    featurePermutation(model, input, {
      features: sharedMask(segmentFeatures(model, o.segments, c)),
      target: c.target,
      preprocessing: c.preprocessing,
      seed: c.seed,
      batchSize: c.batchSize,
    }),
  order: 30,
});
