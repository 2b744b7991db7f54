/**
 * `train`: a seeded, resumable training run of a small CNN (network.ts) with TensorFlow.js
 * computing the gradients (tfjsForward.ts) and Adam in TypeScript (optimizer.ts). Same seed,
 * same data, same backend: the same weights, bit for bit. The result exports to ONNX
 * (export.ts), so every method and metric runs on it.
 */
import { createHash } from 'node:crypto';
import { tf, useBackend, type TfjsBackend } from '../engine/tfjs/backend.js';
import { Rng } from '../random.js';
import { loadCheckpoint, saveCheckpoint, type EpochRecord } from './checkpoint.js';
import { datasetSize, imageSize, permutation, pixelStatistics, type Dataset } from './data.js';
import { architecture as architectureNamed, initParams, type Architecture, type Param } from './network.js';
import { adamState, adamUpdate } from './optimizer.js';
import { countCorrect, inputTensor, predictLogits, trainStep } from './tfjsForward.js';

export const TRAIN_DEFAULTS = { architecture: 'fashion', epochs: 3, batchSize: 64, learningRate: 2e-3, seed: 0, backend: 'wasm' as TfjsBackend };

export interface TrainOptions {
  /** 'fashion' (default), 'small', 'deep' or an Architecture. */
  architecture?: string | Architecture;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  seed?: number;
  backend?: TfjsBackend;
  /** Scored after each epoch. */
  test?: Dataset;
  /** Directory for checkpoint.json, written after every epoch; a run finding one there resumes from it. */
  checkpoint?: string;
  onEpoch?: (record: EpochRecord) => void;
  onBatch?: (done: number, total: number) => void;
}

export interface TrainedModel {
  architecture: Architecture;
  params: Param[];
  inputShape: [number, number, number];
  classes: number;
  /** Pixel normalisation applied inside the exported model: (x - mean) / std. */
  normalisation: { mean: number; std: number };
  history: EpochRecord[];
  seed: number;
  seconds: number;
  /** Training images per second over the run's epochs. */
  imagesPerSecond: number;
}

function fingerprint(data: Dataset, arch: Architecture, o: Record<string, unknown>): string {
  const h = createHash('sha256');
  h.update(Buffer.from(data.images.buffer, data.images.byteOffset, data.images.byteLength));
  h.update(Buffer.from(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
  h.update(JSON.stringify({ arch, ...o }));
  return h.digest('hex').slice(0, 16);
}

export async function train(data: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
  const arch = typeof options.architecture === 'object' ? options.architecture : architectureNamed(options.architecture ?? TRAIN_DEFAULTS.architecture);
  const epochs = options.epochs ?? TRAIN_DEFAULTS.epochs;
  const batchSize = options.batchSize ?? TRAIN_DEFAULTS.batchSize;
  const learningRate = options.learningRate ?? TRAIN_DEFAULTS.learningRate;
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const backend = options.backend ?? TRAIN_DEFAULTS.backend;
  const n = datasetSize(data);
  if (n === 0) throw new Error('train: the training set is empty');
  await useBackend(backend);
  const normalisation = pixelStatistics(data);
  const print = fingerprint(data, arch, { batchSize, learningRate, seed, weightDecay: options.weightDecay ?? 0, backend });
  const resumed = options.checkpoint ? loadCheckpoint(options.checkpoint, print) : undefined;
  const params = resumed?.params ?? initParams(arch, data.shape, data.classes, seed);
  const trainable = params.filter((p) => p.trainable);
  const adam = resumed?.adam ?? adamState(trainable.map((p) => p.data.length));
  const history = resumed?.history ?? [];
  const size = imageSize(data);
  const batches = Math.ceil(n / batchSize);
  const started = performance.now();
  let trained = 0;
  for (let epoch = (resumed?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const order = permutation(n, new Rng(seed, 0xe90c, epoch));
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * batchSize, (b + 1) * batchSize);
      const pixels = new Float32Array(idx.length * size);
      const labels = new Int32Array(idx.length);
      idx.forEach((src, i) => {
        pixels.set(data.images.subarray(src * size, (src + 1) * size), i * size);
        labels[i] = data.labels[src];
      });
      const x = inputTensor(pixels, idx.length, data.shape, normalisation.mean, normalisation.std);
      const step = trainStep(arch, params, x, labels, data.classes);
      x.dispose();
      adamUpdate(trainable.map((p) => p.data), step.gradients, adam, { learningRate, weightDecay: options.weightDecay });
      updateRunningStatistics(arch, params, step.stats);
      lossSum += step.loss * idx.length;
      correct += step.correct;
      trained += idx.length;
      options.onBatch?.(b + 1, batches);
    }
    const record: EpochRecord = { epoch, loss: lossSum / n, trainAccuracy: correct / n, seconds: (performance.now() - t0) / 1000 };
    if (options.test) record.testAccuracy = accuracy({ architecture: arch, params, normalisation, inputShape: data.shape, classes: data.classes }, options.test);
    history.push(record);
    if (options.checkpoint) saveCheckpoint(options.checkpoint, { fingerprint: print, epoch, params, adam, history });
    options.onEpoch?.(record);
  }
  const seconds = (performance.now() - started) / 1000;
  return { architecture: arch, params, inputShape: data.shape, classes: data.classes, normalisation, history, seed, seconds, imagesPerSecond: trained / Math.max(seconds, 1e-9) };
}

/** Running statistics as PyTorch keeps them: momentum 0.1. */
export function updateRunningStatistics(arch: Architecture, params: Param[], stats: Float32Array[]): void {
  if (!arch.batchNorm) return;
  const byName = new Map(params.map((p) => [p.name, p]));
  arch.channels.forEach((_, i) => {
    const [mean, variance] = [stats[2 * i], stats[2 * i + 1]];
    const running = byName.get(`bn${i + 1}.mean`)!.data;
    const runningVar = byName.get(`bn${i + 1}.var`)!.data;
    // (the unbiased correction over batch x height x width values is negligible)
    for (let c = 0; c < running.length; c++) {
      running[c] = 0.9 * running[c] + 0.1 * mean[c];
      runningVar[c] = 0.9 * runningVar[c] + 0.1 * variance[c];
    }
  });
}

type Scorable = Pick<TrainedModel, 'architecture' | 'params' | 'normalisation' | 'inputShape' | 'classes'>;

/** Share of `data` the trained network classifies correctly (evaluation mode), in chunks of 256. */
export function accuracy(model: Scorable, data: Dataset): number {
  const n = datasetSize(data);
  const size = imageSize(data);
  let correct = 0;
  for (let s = 0; s < n; s += 256) {
    const e = Math.min(n, s + 256);
    const logits = predictLogits(model.architecture, model.params, data.images.subarray(s * size, e * size), e - s, model.inputShape, model.normalisation.mean, model.normalisation.std);
    correct += countCorrect(logits, data.labels.subarray(s, e), model.classes);
  }
  return correct / Math.max(n, 1);
}

export { tf };
