/**
 * Data randomisation (Adebayo et al. 2018, Sanity Checks, section 4.2): train one network
 * on a Fashion-MNIST subset with its true labels and another, the same architecture and
 * seed, on the same images with the labels permuted, until it memorises them (training
 * accuracy >= `memorised` in evaluation mode). A method whose maps for the two models are
 * alike cannot be explaining what the model learned: the permuted-label model learned
 * nothing that generalises. Both models are exported to ONNX and explained like any other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../random.js';
import { loadFashionMnist, permutation, type Dataset } from '../training/data.js';
import { exportOnnx } from '../training/export.js';
import { accuracy, train, type TrainedModel } from '../training/train.js';

export const DATA_RANDOMISATION_DEFAULTS = {
  /** The quick default: 256 images memorise in ~35 epochs of the small CNN (~40 s on 2 cores). */
  trainImages: 256,
  architecture: 'small',
  learningRate: 1e-2,
  batchSize: 32,
  /** Epochs of the true-label model. */
  epochs: 10,
  /** Give up memorising after this many epochs (the result then says so). */
  maxEpochs: 100,
  /** Training accuracy on the permuted labels that counts as memorised. */
  memorised: 0.95,
};

export interface DataRandomisationOptions {
  trainImages?: number;
  architecture?: string;
  learningRate?: number;
  batchSize?: number;
  epochs?: number;
  maxEpochs?: number;
  memorised?: number;
  /** Training images (default: a seeded Fashion-MNIST training subset of `trainImages`). */
  data?: Dataset;
  seed?: number;
  onProgress?: (what: string) => void;
}

export interface DataRandomisedModels {
  trained: TrainedModel;
  permuted: TrainedModel;
  /** ONNX bytes of both. */
  trainedOnnx: Uint8Array;
  permutedOnnx: Uint8Array;
  trainImages: number;
  /** Epochs the permuted-label model trained. */
  permutedEpochs: number;
  /** Evaluation-mode accuracy of the permuted-label model on its (permuted) training labels. */
  memorisedAccuracy: number;
  /** memorisedAccuracy reached the `memorised` level. */
  memorised: boolean;
  /** Accuracy of the true-label model on its training labels. */
  trainedTrainAccuracy: number;
  seconds: number;
}

/** The labels of `d` permuted (seeded): the images keep their pixels, the labels carry no information. */
export function permuteLabels(d: Dataset, seed: number): Dataset {
  const order = permutation(d.labels.length, new Rng(seed, 0x1abe1));
  return { ...d, labels: Int32Array.from(order, (i) => d.labels[i]) };
}

/** Train the true-label and the permuted-label model (the latter until it memorises, by `epochStep` epochs at a time). */
export async function trainDataRandomised(o: DataRandomisationOptions = {}): Promise<DataRandomisedModels> {
  const t0 = performance.now();
  const D = DATA_RANDOMISATION_DEFAULTS;
  const seed = o.seed ?? 0;
  const data = o.data ?? loadFashionMnist('train', { limit: o.trainImages ?? D.trainImages, seed });
  const common = { architecture: o.architecture ?? D.architecture, learningRate: o.learningRate ?? D.learningRate, batchSize: o.batchSize ?? D.batchSize, seed };
  const target = o.memorised ?? D.memorised;
  const maxEpochs = o.maxEpochs ?? D.maxEpochs;
  o.onProgress?.('data randomisation: training on the true labels');
  const trained = await train(data, { ...common, epochs: o.epochs ?? D.epochs });
  const shuffled = permuteLabels(data, seed);
  const dir = mkdtempSync(join(tmpdir(), 'saliency-data-randomisation-'));
  let permuted!: TrainedModel;
  let memorisedAccuracy = 0;
  try {
    // Resuming from the checkpoint continues the same run, so the model is the one an uninterrupted run of that many epochs gives.
    for (let epochs = Math.min(10, maxEpochs); ; epochs = Math.min(epochs + 5, maxEpochs)) {
      permuted = await train(shuffled, { ...common, epochs, checkpoint: dir });
      memorisedAccuracy = accuracy(permuted, shuffled);
      o.onProgress?.(`data randomisation: permuted labels, epoch ${epochs}, training accuracy ${memorisedAccuracy.toFixed(3)}`);
      if (memorisedAccuracy >= target || epochs >= maxEpochs) break;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    trained,
    permuted,
    trainedOnnx: exportOnnx(trained),
    permutedOnnx: exportOnnx(permuted),
    trainImages: data.labels.length,
    permutedEpochs: permuted.history.length,
    memorisedAccuracy,
    memorised: memorisedAccuracy >= target,
    trainedTrainAccuracy: accuracy(trained, data),
    seconds: (performance.now() - t0) / 1000,
  };
}
