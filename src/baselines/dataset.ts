/**
 * Training-distribution baseline (expected gradients' choice): each draw is one
 * example picked uniformly at random from a given set (e.g. a sample of the training
 * data), already in the model's input space. The one dataset sampler: the CLI's
 * `dataset:SOURCE` baselines use it too, with `excludeInput`.
 */
import { makeSampler, type BaselineSampler } from './baseline.js';

export interface DatasetBaselineOptions {
  /** Default 'dataset(N examples)'. */
  label?: string;
  /** Redraw (up to 16 times) an example equal to the input explained: it would add nothing. Default false. */
  excludeInput?: boolean;
}

export function datasetBaseline(examples: Float32Array, exampleSize: number, options: DatasetBaselineOptions = {}): BaselineSampler {
  if (exampleSize <= 0 || examples.length === 0 || examples.length % exampleSize !== 0) {
    throw new Error(`the dataset holds ${examples.length} values, not a whole number of examples of ${exampleSize} values`);
  }
  const per = exampleSize;
  const count = examples.length / per;
  const equal = (k: number, x: Float32Array) => {
    for (let j = 0; j < per; j++) if (examples[k * per + j] !== x[j]) return false;
    return true;
  };
  return makeSampler(options.label ?? `dataset(${count} examples)`, count > 1, (input, rng) => {
    let k = count === 1 ? 0 : rng.int(count);
    if (options.excludeInput) for (let tries = 0; tries < 16 && count > 1 && equal(k, input); tries++) k = rng.int(count);
    return examples.slice(k * per, (k + 1) * per);
  });
}
