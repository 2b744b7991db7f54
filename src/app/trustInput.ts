/**
 * The inputs of the trust verbs: image files through the model's preprocessing, or
 * Fashion-MNIST test images (with their labels) for 28x28 single-channel models.
 */
import { loadImages } from '../io/image.js';
import { loadFashionMnist } from '../training/data.js';
import { openModel, resolveFor } from './model.js';
import { UsageError } from './errors.js';

export interface TrustInput {
  batch: Float32Array;
  labels?: Int32Array;
  names: string[];
}

export async function trustInput(model: string, images: readonly string[] | undefined, fashionMnist: number | undefined, seed: number): Promise<TrustInput> {
  if (images?.length) {
    const opened = await openModel(model);
    try {
      const { batch } = await loadImages(images, resolveFor(opened));
      return { batch, names: [...images] };
    } finally {
      await opened.dispose();
    }
  }
  if (fashionMnist === undefined) throw new UsageError('give --image files or --fashion-mnist N (that many Fashion-MNIST test images, with labels)');
  const d = loadFashionMnist('test', { limit: fashionMnist, seed });
  return { batch: d.images, labels: d.labels, names: Array.from(d.labels, (l, i) => `test ${i} (class ${l})`) };
}
