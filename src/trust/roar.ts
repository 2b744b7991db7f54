/**
 * ROAR and KAR (Hooker et al. 2019, "A Benchmark for Interpretability Methods in Deep
 * Neural Networks"): rank the pixels of every training and test image, replace the top t%
 * (ROAR) or all but the top t% (KAR) by the per-channel mean, retrain from scratch, and
 * measure test accuracy against t. A random ranking is the control; repeats (seeds) give
 * the spread. A ranking that finds what the model needs makes ROAR accuracy fall faster
 * than the random one, and KAR accuracy rise faster.
 */
import { loadOnnxModel } from '../engine/onnx.js';
import { getMethod, methodOptions } from '../methods/registry.js';
import { Rng } from '../random.js';
import { datasetSize, imageSize, type Dataset } from '../training/data.js';
import { exportOnnx } from '../training/export.js';
import { accuracy, train, type TrainOptions } from '../training/train.js';

/** Scores per pixel ([n, h*w], higher = more important) for the images of a set. */
export type Ranker = (data: Dataset, split: 'train' | 'test') => Promise<Float32Array>;

export interface RoarPoint {
  ranking: string;
  mode: 'roar' | 'kar';
  fraction: number;
  /** Test accuracy per repeat, and their mean and standard deviation. */
  accuracies: number[];
  mean: number;
  std: number;
}

export interface RoarOptions {
  fractions?: readonly number[];
  modes?: readonly ('roar' | 'kar')[];
  repeats?: number;
  training?: TrainOptions;
  onProgress?: (what: string) => void;
  /** Accuracy of a retraining finished by an earlier (interrupted) run, or undefined: it is not redone. */
  finished?: (at: RoarRetraining) => number | undefined;
  /** Called as soon as a retraining is scored (to record it: an interrupted run resumes from there). */
  onRetrained?: (at: RoarRetraining, accuracy: number) => void;
}

/** One retraining of a ROAR/KAR run: the unit a run records and resumes at. */
export interface RoarRetraining {
  ranking: string;
  mode: 'roar' | 'kar';
  fraction: number;
  repeat: number;
}

export const ROAR_DEFAULTS = { fractions: [0.1, 0.3, 0.5, 0.7, 0.9], repeats: 1 };

/** Copy of the set with the top `fraction` of each image's pixels (ROAR) or the rest (KAR) set to the per-channel mean. */
export function removePixels(d: Dataset, scores: Float32Array, fraction: number, mode: 'roar' | 'kar', channelMeans: readonly number[]): Dataset {
  const [c, h, w] = d.shape;
  const pixels = h * w;
  const n = datasetSize(d);
  const images = d.images.slice();
  const k = Math.round(fraction * pixels);
  for (let e = 0; e < n; e++) {
    const s = scores.subarray(e * pixels, (e + 1) * pixels);
    const order = Array.from({ length: pixels }, (_, i) => i).sort((a, b) => s[b] - s[a]);
    const replaced = mode === 'roar' ? order.slice(0, k) : order.slice(k);
    for (const p of replaced) for (let ch = 0; ch < c; ch++) images[(e * c + ch) * pixels + p] = channelMeans[ch];
  }
  return { ...d, images };
}

export function channelMeans(d: Dataset): number[] {
  const [c, h, w] = d.shape;
  const size = imageSize(d);
  return Array.from({ length: c }, (_, ch) => {
    let s = 0;
    for (let e = 0; e < datasetSize(d); e++) for (let p = 0; p < h * w; p++) s += d.images[e * size + ch * h * w + p];
    return s / (datasetSize(d) * h * w);
  });
}

/** The random control: seeded uniform scores. */
export const randomRanker = (seed: number): Ranker => async (d, split) => new Rng(seed, split === 'train' ? 1 : 2).fillUniform(new Float32Array(datasetSize(d) * d.shape[1] * d.shape[2]));

/** Accuracy against the removed (ROAR) or kept (KAR) fraction, per ranking, retraining from scratch at every point. */
export async function roarCurves(trainSet: Dataset, testSet: Dataset, rankers: Record<string, Ranker>, o: RoarOptions = {}): Promise<RoarPoint[]> {
  const means = channelMeans(trainSet);
  const points: RoarPoint[] = [];
  const modes = o.modes ?? ['roar'];
  const fractions = o.fractions ?? ROAR_DEFAULTS.fractions;
  const repeats = o.repeats ?? ROAR_DEFAULTS.repeats;
  for (const [name, ranker] of Object.entries(rankers)) {
    const done = new Map<string, number>();
    for (const mode of modes) for (const fraction of fractions) for (let repeat = 0; repeat < repeats; repeat++) {
      const a = o.finished?.({ ranking: name, mode, fraction, repeat });
      if (a !== undefined) done.set(`${mode} ${fraction} ${repeat}`, a);
    }
    // a ranking whose retrainings are all recorded is not recomputed
    let scores: [Float32Array, Float32Array] | undefined;
    for (const mode of modes) {
      for (const fraction of fractions) {
        const accuracies: number[] = [];
        for (let repeat = 0; repeat < repeats; repeat++) {
          const recorded = done.get(`${mode} ${fraction} ${repeat}`);
          if (recorded !== undefined) {
            accuracies.push(recorded);
            continue;
          }
          if (!scores) {
            o.onProgress?.(`ranking pixels: ${name}`);
            scores = [await ranker(trainSet, 'train'), await ranker(testSet, 'test')];
          }
          o.onProgress?.(`${mode} ${name} t=${fraction} repeat ${repeat + 1}`);
          const [tr, te] = [removePixels(trainSet, scores[0], fraction, mode, means), removePixels(testSet, scores[1], fraction, mode, means)];
          const m = await train(tr, { ...o.training, seed: (o.training?.seed ?? 0) + repeat });
          const a = accuracy(m, te);
          accuracies.push(a);
          o.onRetrained?.({ ranking: name, mode, fraction, repeat }, a);
        }
        const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
        const std = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / accuracies.length);
        points.push({ ranking: name, mode, fraction, accuracies, mean, std });
      }
    }
  }
  return points;
}

/** A ranker from an attribution method on a model trained on the unmodified data: |map| summed over channels, explaining the true class. */
export function methodRanker(method: string, onnx: Uint8Array, seed: number, chunk = 256): Ranker {
  const d = getMethod(method);
  return async (data) => {
    const model = await loadOnnxModel(onnx);
    try {
      const [c, h, w] = data.shape;
      const size = imageSize(data);
      const n = datasetSize(data);
      const out = new Float32Array(n * h * w);
      for (let s = 0; s < n; s += chunk) {
        const e = Math.min(n, s + chunk);
        const a = await d.run(model, data.images.subarray(s * size, e * size), methodOptions(d, {}), { target: Array.from(data.labels.subarray(s, e)), seed });
        for (let i = 0; i < e - s; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[(s + i) * h * w + p] += Math.abs(a.values[(i * c + ch) * h * w + p]);
      }
      return out;
    } finally {
      await model.dispose();
    }
  };
}

/**
 * ROAR/KAR for attribution methods: trains the model that ranks, then the curves (methods and
 * 'random'). With `baseAccuracy` given (a resumed run) and every retraining `finished`, nothing is trained.
 */
export async function roar(trainSet: Dataset, testSet: Dataset, methods: readonly string[], o: RoarOptions & { seed?: number; baseAccuracy?: number; onBase?: (accuracy: number) => void } = {}): Promise<{ points: RoarPoint[]; baseAccuracy: number }> {
  const seed = o.seed ?? 0;
  // the model that ranks is trained on first use (deterministic: a resumed run trains the same one)
  let base: Promise<{ onnx: Uint8Array; accuracy: number }> | undefined;
  const baseModel = () =>
    (base ??= (async () => {
      o.onProgress?.('training the model that ranks');
      const m = await train(trainSet, { ...o.training, seed });
      const r = { onnx: exportOnnx(m), accuracy: accuracy(m, testSet) };
      o.onBase?.(r.accuracy);
      return r;
    })());
  const rankers: Record<string, Ranker> = { random: randomRanker(seed) };
  for (const m of methods) rankers[m] = async (d, split) => methodRanker(m, (await baseModel()).onnx, seed)(d, split);
  const points = await roarCurves(trainSet, testSet, rankers, o);
  return { points, baseAccuracy: o.baseAccuracy ?? (await baseModel()).accuracy };
}
