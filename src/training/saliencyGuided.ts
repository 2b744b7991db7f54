/**
 * Saliency-guided training (Ismail, Corrada Bravo and Feizi, NeurIPS 2021, "Improving deep
 * learning interpretability by saliency guided training"). Each step:
 * 1. the saliency of every input feature is |d logit[label] / d x| (the input gradient);
 * 2. the `maskFraction` lowest-saliency features are replaced by random values drawn
 *    uniformly from the feature range (pixels [0, 1], normalised), giving a masked input;
 * 3. the loss is cross-entropy on the original input plus `klWeight` x KL(softmax f(x) ||
 *    softmax f(masked)), and both terms are differentiated with respect to the weights.
 * The model learns to keep its output when uninformative features are scrambled, which the
 * paper finds makes gradient maps sparser and more faithful. Same seed, same weights. The
 * plain trainer (train.ts) stays as it is; this loop mirrors it with its own step, and its
 * checkpoints (checkpoint.ts, after each epoch): the masking draws come from a per-epoch
 * stream, so a resumed run gives the weights of an uninterrupted one bit for bit.
 */
import { tf, useBackend } from '../engine/tfjs/backend.js';
import { Rng } from '../random.js';
import { datasetSize, pixelStatistics, type Dataset } from './data.js';
import { initParams, type Architecture, type Param } from './network.js';
import { adamState, adamUpdate } from './optimizer.js';
import { countCorrect, forward, inputTensor } from './tfjsForward.js';
import { endEpoch, fingerprint, runEpoch, trainingSettings, updateRunningStatistics, type TrainedModel, type TrainOptions } from './train.js';
import { loadCheckpoint, type EpochRecord } from './checkpoint.js';

export const SALIENCY_GUIDED_DEFAULTS = { maskFraction: 0.5, klWeight: 1 };

export interface SaliencyGuidedOptions extends TrainOptions {
  /** Share of the features masked per input (the paper's k; default 0.5). */
  maskFraction?: number;
  /** Weight of the KL term (the paper's lambda; default 1). */
  klWeight?: number;
}

/**
 * Replace, per input, the `fraction` of features with the lowest |saliency| by uniform values in
 * [lo, hi] (in place on a copy). Ties are broken by index, so the result is deterministic.
 */
export function maskLowestSaliency(x: Float32Array, saliency: Float32Array, n: number, fraction: number, lo: number, hi: number, rng: Rng): Float32Array {
  const size = x.length / n;
  const k = Math.round(fraction * size);
  const out = x.slice();
  for (let e = 0; e < n; e++) {
    const s = saliency.subarray(e * size, (e + 1) * size);
    const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => Math.abs(s[a]) - Math.abs(s[b]) || a - b);
    for (let j = 0; j < k; j++) out[e * size + order[j]] = lo + (hi - lo) * rng.float();
  }
  return out;
}

type Tensors = Map<string, tf.Tensor>;

function guidedStep(arch: Architecture, params: readonly Param[], x: tf.Tensor4D, labels: Int32Array, classes: number, o: { fraction: number; klWeight: number; lo: number; hi: number; rng: Rng }) {
  const trainable = params.filter((q) => q.trainable);
  const all: Tensors = new Map(params.map((q) => [q.name, tf.tensor(q.data, q.dims)]));
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
  // 1. saliency: the input gradient of each input's label logit (batch statistics, as in training)
  const saliency = tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(tf.mul(forward(arch, all, a as tf.Tensor4D, true), oneHot)))(x).dataSync() as Float32Array);
  // 2. the masked inputs
  const masked = tf.tensor4d(maskLowestSaliency(x.dataSync() as Float32Array, saliency, labels.length, o.fraction, o.lo, o.hi, o.rng), x.shape);
  // 3. cross-entropy + klWeight x KL(p || q), differentiated with respect to the weights
  const statTensors: tf.Tensor[] = [];
  let logitsData: Float32Array | undefined;
  const lossOf = (...ws: tf.Tensor[]) => {
    const p: Tensors = new Map(all);
    trainable.forEach((q, i) => p.set(q.name, ws[i]));
    const logits = forward(arch, p, x, true, statTensors);
    logitsData = logits.dataSync() as Float32Array;
    const ce = tf.losses.softmaxCrossEntropy(oneHot, logits);
    const logP = tf.logSoftmax(logits);
    const logQ = tf.logSoftmax(forward(arch, p, masked, true));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1));
    return tf.add(ce, tf.mul(kl, o.klWeight)) as tf.Scalar;
  };
  const variables = trainable.map((q) => all.get(q.name)!);
  const { value, grads } = tf.valueAndGrads(lossOf)(variables);
  const result = {
    loss: value.dataSync()[0],
    correct: countCorrect(logitsData!, labels, classes),
    gradients: grads.map((g) => g.dataSync() as Float32Array),
    stats: statTensors.map((t) => t.dataSync() as Float32Array),
  };
  tf.dispose([value, ...grads, ...statTensors, ...all.values(), oneHot, masked]);
  return result;
}

export async function trainSaliencyGuided(data: Dataset, options: SaliencyGuidedOptions = {}): Promise<TrainedModel> {
  const { arch, epochs, batchSize, learningRate, seed } = trainingSettings(options);
  const fraction = options.maskFraction ?? SALIENCY_GUIDED_DEFAULTS.maskFraction;
  const klWeight = options.klWeight ?? SALIENCY_GUIDED_DEFAULTS.klWeight;
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`saliency-guided training: maskFraction must be in [0, 1), got ${fraction}`);
  const n = datasetSize(data);
  if (n === 0) throw new Error('train: the training set is empty');
  // the input gradient inside each step comes from TensorFlow.js: the engine route has no second-order graph
  await useBackend(options.backend === 'cpu' ? 'cpu' : 'wasm');
  const normalisation = pixelStatistics(data);
  const [lo, hi] = [(0 - normalisation.mean) / normalisation.std, (1 - normalisation.mean) / normalisation.std];
  const print = fingerprint(data, arch, { saliencyGuided: { maskFraction: fraction, klWeight }, batchSize, learningRate, seed, weightDecay: options.weightDecay ?? 0, backend: options.backend === 'cpu' ? 'cpu' : 'wasm' });
  const resumed = options.checkpoint ? loadCheckpoint(options.checkpoint, print) : undefined;
  const params = resumed?.params ?? initParams(arch, data.shape, data.classes, seed);
  const trainable = params.filter((p) => p.trainable);
  const adam = resumed?.adam ?? adamState(trainable.map((p) => p.data.length));
  const history: EpochRecord[] = resumed?.history ?? [];
  const started = performance.now();
  let trained = 0;
  for (let epoch = (resumed?.epoch ?? 0) + 1; epoch <= epochs; epoch++) {
    const maskRng = new Rng(seed, 0x5a11e7, epoch);
    const record = await runEpoch(data, { epoch, seed, batchSize, onBatch: options.onBatch }, (pixels, labels) => {
      const x = inputTensor(pixels, labels.length, data.shape, normalisation.mean, normalisation.std);
      const step = guidedStep(arch, params, x, labels, data.classes, { fraction, klWeight, lo, hi, rng: maskRng });
      x.dispose();
      adamUpdate(trainable.map((p) => p.data), step.gradients, adam, { learningRate, weightDecay: options.weightDecay });
      updateRunningStatistics(arch, params, step.stats);
      return step;
    });
    trained += n;
    endEpoch(record, { arch, params, normalisation, data, options, history, fingerprint: print, adam });
  }
  const seconds = (performance.now() - started) / 1000;
  return { architecture: arch, params, inputShape: data.shape, classes: data.classes, normalisation, history, seed, seconds, imagesPerSecond: trained / Math.max(seconds, 1e-9) };
}

/**
 * Mean KL(softmax f(x) || softmax f(masked x)) over `data` in evaluation mode, masking the
 * `fraction` lowest-saliency features as in training: what saliency-guided training lowers.
 */
export function maskedKl(model: TrainedModel, data: Dataset, fraction = SALIENCY_GUIDED_DEFAULTS.maskFraction, seed = 0): number {
  const { mean, std } = model.normalisation;
  const [lo, hi] = [(0 - mean) / std, (1 - mean) / std];
  const n = datasetSize(data);
  const rng = new Rng(seed, 0x6b1);
  return tf.tidy(() => {
    const p: Tensors = new Map(model.params.map((q) => [q.name, tf.tensor(q.data, q.dims)]));
    const x = inputTensor(data.images, n, data.shape, mean, std);
    const oneHot = tf.oneHot(tf.tensor1d(data.labels, 'int32'), data.classes);
    const saliency = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(forward(model.architecture, p, a as tf.Tensor4D, false), oneHot)))(x).dataSync() as Float32Array;
    const masked = tf.tensor4d(maskLowestSaliency(x.dataSync() as Float32Array, saliency, n, fraction, lo, hi, rng), x.shape);
    const logP = tf.logSoftmax(forward(model.architecture, p, x, false));
    const logQ = tf.logSoftmax(forward(model.architecture, p, masked, false));
    return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1)).dataSync()[0];
  });
}
