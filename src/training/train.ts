/**
 * `train`: a seeded, resumable training run of a small CNN (network.ts) with the gradients
 * computed by the engine's compiled backward graph (engineForward.ts, backend 'engine') or
 * by TensorFlow.js (tfjsForward.ts, backends 'wasm' and 'cpu'), and Adam or SGD with
 * momentum in TypeScript (optimizer.ts). Same seed, same data, same backend: the same
 * weights, bit for bit. The result exports to ONNX (export.ts), so every method and metric
 * runs on it.
 */
import { createHash } from 'node:crypto';
import { tf, useBackend, type TfjsBackend } from '../engine/tfjs/backend.js';
import { Rng } from '../random.js';
import { loadCheckpoint, saveCheckpoint, type EpochRecord } from './checkpoint.js';
import { datasetSize, imageSize, permutation, pixelStatistics, type Dataset } from './data.js';
import { architecture as architectureNamed, initParams, type Architecture, type Param } from './network.js';
import { adamState, adamUpdate, sgdUpdate, type AdamState } from './optimizer.js';
import { countCorrect, inputTensor, predictLogits, trainStep, type StepResult } from './tfjsForward.js';
import { EngineStepper } from './engineForward.js';

/** Where the gradients are computed: the engine's backward graph (onnxruntime) or a TensorFlow.js backend. */
export type TrainBackend = 'engine' | TfjsBackend;
export const TRAIN_BACKENDS: readonly TrainBackend[] = ['engine', 'wasm', 'cpu'];
export type OptimizerName = 'adam' | 'sgd';

export const TRAIN_DEFAULTS = { architecture: 'fashion', epochs: 3, batchSize: 64, learningRate: 2e-3, seed: 0, backend: 'engine' as TrainBackend, optimizer: 'adam' as OptimizerName, momentum: 0.9 };

export interface TrainOptions {
  /** 'fashion' (default), 'small', 'deep' or an Architecture. */
  architecture?: string | Architecture;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  weightDecay?: number;
  seed?: number;
  backend?: TrainBackend;
  /** 'adam' (default) or 'sgd' (with momentum). */
  optimizer?: OptimizerName;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  /** onnxruntime threads of the engine backend (default: the machine's cores). */
  threads?: number;
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

/** What a checkpoint belongs to: the data, the architecture and the options that change the weights. */
export function fingerprint(data: Dataset, arch: Architecture, o: Record<string, unknown>): string {
  const h = createHash('sha256');
  h.update(Buffer.from(data.images.buffer, data.images.byteOffset, data.images.byteLength));
  h.update(Buffer.from(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
  h.update(JSON.stringify({ arch, ...o }));
  return h.digest('hex').slice(0, 16);
}

export async function train(data: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
  const { arch, epochs, batchSize, learningRate, seed } = trainingSettings(options);
  const backend = options.backend ?? TRAIN_DEFAULTS.backend;
  if (!TRAIN_BACKENDS.includes(backend)) throw new Error(`unknown training backend '${backend}': use one of ${TRAIN_BACKENDS.join(', ')}`);
  const optimizer = options.optimizer ?? TRAIN_DEFAULTS.optimizer;
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new Error(`unknown optimizer '${optimizer}': use adam or sgd`);
  const momentum = options.momentum ?? TRAIN_DEFAULTS.momentum;
  const n = datasetSize(data);
  if (n === 0) throw new Error('train: the training set is empty');
  const normalisation = pixelStatistics(data);
  // the original fingerprint for Adam, so checkpoints written before the optimizer option still resume
  const extra = optimizer === 'sgd' ? { optimizer, momentum } : {};
  // (hashing the whole set costs milliseconds per call: only for a checkpointed run)
  const print = options.checkpoint ? fingerprint(data, arch, { batchSize, learningRate, seed, weightDecay: options.weightDecay ?? 0, backend, ...extra }) : '';
  const resumed = options.checkpoint ? loadCheckpoint(options.checkpoint, print) : undefined;
  const params = resumed?.params ?? initParams(arch, data.shape, data.classes, seed);
  const trainable = params.filter((p) => p.trainable);
  const weights = trainable.map((p) => p.data);
  const adam = resumed?.adam ?? adamState(trainable.map((p) => p.data.length));
  const history = resumed?.history ?? [];
  const stepper = await makeStepper(backend, arch, params, data, normalisation, options.threads);
  const started = performance.now();
  let trained = 0;
  try {
    for (let epoch = (resumed?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
      const record = await runEpoch(data, { epoch, seed, batchSize, onBatch: options.onBatch }, async (pixels, labels) => {
        const step = await stepper.step(pixels, labels);
        if (optimizer === 'sgd') sgdUpdate(weights, step.gradients, adam, { learningRate, momentum, weightDecay: options.weightDecay });
        else adamUpdate(weights, step.gradients, adam, { learningRate, weightDecay: options.weightDecay });
        updateRunningStatistics(arch, params, step.stats);
        return step;
      });
      trained += n;
      endEpoch(record, { arch, params, normalisation, data, options, history, fingerprint: print, adam });
    }
  } finally {
    await stepper.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  return { architecture: arch, params, inputShape: data.shape, classes: data.classes, normalisation, history, seed, seconds, imagesPerSecond: trained / Math.max(seconds, 1e-9) };
}

/** The settings every trainer shares, with their defaults. */
export function trainingSettings(options: TrainOptions): { arch: Architecture; epochs: number; batchSize: number; learningRate: number; seed: number } {
  return {
    arch: typeof options.architecture === 'object' ? options.architecture : architectureNamed(options.architecture ?? TRAIN_DEFAULTS.architecture),
    epochs: options.epochs ?? TRAIN_DEFAULTS.epochs,
    batchSize: options.batchSize ?? TRAIN_DEFAULTS.batchSize,
    learningRate: options.learningRate ?? TRAIN_DEFAULTS.learningRate,
    seed: options.seed ?? TRAIN_DEFAULTS.seed,
  };
}

/** The images and labels of one batch: `idx` into the set, `size` values per image. */
/**
 * One training epoch over `data` in the seeded order of `epoch` (the order every trainer
 * shares, so resumed runs see the same batches): `trainBatch` takes a batch's pixels and
 * labels, updates the weights, and returns its mean loss and the number it got right.
 */
export async function runEpoch(
  data: Dataset,
  o: { epoch: number; seed: number; batchSize: number; onBatch?: (done: number, total: number) => void },
  trainBatch: (pixels: Float32Array, labels: Int32Array) => Promise<{ loss: number; correct: number }> | { loss: number; correct: number },
): Promise<EpochRecord> {
  const t0 = performance.now();
  const n = datasetSize(data);
  const size = imageSize(data);
  const batches = Math.ceil(n / o.batchSize);
  const order = permutation(n, new Rng(o.seed, 0xe90c, o.epoch));
  let lossSum = 0;
  let correct = 0;
  for (let b = 0; b < batches; b++) {
    const idx = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
    const { pixels, labels } = batchOf(data, idx, size);
    const step = await trainBatch(pixels, labels);
    lossSum += step.loss * idx.length;
    correct += step.correct;
    o.onBatch?.(b + 1, batches);
  }
  return { epoch: o.epoch, loss: lossSum / n, trainAccuracy: correct / n, seconds: (performance.now() - t0) / 1000 };
}

export function batchOf(data: Dataset, idx: readonly number[], size: number): { pixels: Float32Array; labels: Int32Array } {
  const pixels = new Float32Array(idx.length * size);
  const labels = new Int32Array(idx.length);
  idx.forEach((src, i) => {
    pixels.set(data.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = data.labels[src];
  });
  return { pixels, labels };
}

/** The end of an epoch, for every trainer: test accuracy when a test set is given, the history, the checkpoint, onEpoch. */
export function endEpoch(
  record: EpochRecord,
  t: { arch: Architecture; params: Param[]; normalisation: { mean: number; std: number }; data: Dataset; options: Pick<TrainOptions, 'test' | 'checkpoint' | 'onEpoch'>; history: EpochRecord[]; fingerprint: string; adam: AdamState },
): void {
  if (t.options.test) record.testAccuracy = accuracy({ architecture: t.arch, params: t.params, normalisation: t.normalisation, inputShape: t.data.shape, classes: t.data.classes }, t.options.test);
  t.history.push(record);
  if (t.options.checkpoint) saveCheckpoint(t.options.checkpoint, { fingerprint: t.fingerprint, epoch: record.epoch, params: t.params, adam: t.adam, history: t.history });
  t.options.onEpoch?.(record);
}

interface Stepper {
  step(pixels: Float32Array, labels: Int32Array): Promise<StepResult>;
  dispose(): Promise<void>;
}

async function makeStepper(backend: TrainBackend, arch: Architecture, params: Param[], data: Dataset, normalisation: { mean: number; std: number }, threads?: number): Promise<Stepper> {
  // accuracy() evaluates with TensorFlow.js: the engine route leaves its wasm backend ready for it
  await useBackend(backend === 'engine' ? 'wasm' : backend);
  if (backend === 'engine') return new EngineStepper(arch, params, data.shape, data.classes, normalisation, threads);
  return {
    step: async (pixels, labels) => {
      const x = inputTensor(pixels, labels.length, data.shape, normalisation.mean, normalisation.std);
      try {
        return trainStep(arch, params, x, labels, data.classes);
      } finally {
        x.dispose();
      }
    },
    dispose: async () => undefined,
  };
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
