/**
 * The baselines that need no files (constants, max-distance, blur, noise): spec -> baseline
 * object in the model's input space. build.ts adds `dataset:` (which reads files); this
 * part also runs in the browser (the explorer).
 */
import type { Baseline } from './baseline.js';
import { blurBaseline } from './blur.js';
import { constantBaseline } from './constant.js';
import { gaussianBaseline } from './gaussian.js';
import { maxDistanceBaseline } from './maxDistance.js';
import { uniformBaseline } from './uniform.js';
import type { Model } from '../engine/model.js';
import type { Preprocessing } from '../engine/space.js';
import { UsageError } from '../errors.js';
import type { BaselineSpec } from './spec.js';

function needRange(spec: BaselineSpec, f: () => Baseline): Baseline {
  try {
    return f();
  } catch (e) {
    throw new UsageError(`--baseline ${spec.text}: ${(e as Error).message} (for raw inputs give the range with --range MIN,MAX)`);
  }
}

/** A baseline that needs no files; `dataset:` throws (buildBaseline reads it). */
export function makeInMemoryBaseline(spec: BaselineSpec, ctx: { model: Model; preprocessing?: Preprocessing }): { baseline: Baseline; description: string } {
  const { model, preprocessing: prep } = ctx;
  switch (spec.kind) {
    case 'black':
    case 'white':
    case 'gray':
      return { baseline: constantBaseline(model, spec.kind, prep), description: `${spec.kind} image (constant pixel value)` };
    case 'maxdistance':
      return { baseline: needRange(spec, () => maxDistanceBaseline(model, prep)), description: 'the valid image farthest from the input (L1)' };
    case 'blur':
      return {
        baseline: needRange(spec, () => blurBaseline(model, { sigma: spec.sigma! }, prep)),
        description: `the input blurred by a Gaussian of σ = ${spec.sigma} px`,
      };
    case 'uniform':
      return { baseline: needRange(spec, () => uniformBaseline(model, prep)), description: 'uniform noise over the valid range' };
    case 'gaussian':
      return {
        baseline: needRange(spec, () => gaussianBaseline(model, { sigma: spec.sigma! }, prep)),
        description: `the input plus Gaussian noise of σ = ${spec.sigma} (pixel units), truncated to the valid range`,
      };
    case 'dataset':
      throw new UsageError(`--baseline ${spec.text}: a dataset baseline reads files; use buildBaseline (baselines/build.ts) in Node`);
  }
}
