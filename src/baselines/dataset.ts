/**
 * Training-distribution baseline (expected gradients' choice): each draw is one
 * example picked uniformly at random from a given set (e.g. a sample of the training
 * data), already in the model's input space.
 */
import { makeSampler, type BaselineSampler } from './baseline.js';

export function datasetBaseline(examples: Float32Array, exampleSize: number): BaselineSampler {
  if (exampleSize <= 0 || examples.length === 0 || examples.length % exampleSize !== 0) {
    throw new Error(`the dataset holds ${examples.length} values, not a whole number of examples of ${exampleSize} values`);
  }
  const count = examples.length / exampleSize;
  return makeSampler(`dataset(${count} examples)`, count > 1, (_input, rng) => {
    const k = count === 1 ? 0 : rng.int(count);
    return examples.slice(k * exampleSize, (k + 1) * exampleSize);
  });
}
