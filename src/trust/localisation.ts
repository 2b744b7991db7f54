/**
 * Localisation against synthetic ground truth (issue 15, item 5): a model trained here on
 * `syntheticShapes` (the label is the shape; its pixels are the true mask), then each
 * method's maps scored with the localisation metrics of the first evaluation issue
 * (relevance mass, relevance rank, pointing game, energy pointing game) against the masks.
 */
import { loadOnnxModel } from '../engine/onnx.js';
import { getMethod, methodOptions } from '../methods/registry.js';
import { energyPointingGame } from '../metrics/energyPointingGame.js';
import { pointingGame } from '../metrics/pointingGame.js';
import { relevanceMass } from '../metrics/relevanceMass.js';
import { relevanceRank } from '../metrics/relevanceRank.js';
import { exportOnnx } from '../training/export.js';
import { accuracy, train, type TrainedModel, type TrainOptions } from '../training/train.js';
import type { Dataset } from '../training/data.js';
import { syntheticShapes } from './synthetic.js';

export const LOCALISATION_METRICS = { 'relevance-mass': relevanceMass, 'relevance-rank': relevanceRank, 'pointing-game': pointingGame, 'energy-pointing-game': energyPointingGame };

export interface LocalisationResult {
  testAccuracy: number;
  /** Share of the pixels inside the true masks (what a uniform map scores in relevance mass). */
  maskShare: number;
  /** Method -> metric -> mean score over the explained images. */
  scores: Record<string, Record<string, number>>;
}

export async function syntheticLocalisation(methods: readonly string[], o: { trainImages?: number; explained?: number; seed?: number; training?: TrainOptions; trainer?: (data: Dataset, options: TrainOptions) => Promise<TrainedModel> } = {}): Promise<LocalisationResult> {
  const seed = o.seed ?? 0;
  const trainSet = syntheticShapes(o.trainImages ?? 1000, seed);
  const testSet = syntheticShapes(o.explained ?? 32, seed + 1);
  const trained = await (o.trainer ?? train)(trainSet.data, { architecture: 'small', epochs: 3, learningRate: 5e-3, ...o.training, seed });
  const model = await loadOnnxModel(exportOnnx(trained));
  const groundTruth = Float32Array.from(testSet.masks);
  const classes = Array.from(testSet.data.labels);
  const scores: Record<string, Record<string, number>> = {};
  try {
    for (const name of methods) {
      const d = getMethod(name);
      const a = await d.run(model, testSet.data.images, methodOptions(d, {}), { target: classes, seed });
      scores[name] = {};
      for (const [metric, fn] of Object.entries(LOCALISATION_METRICS)) {
        const r = await fn(model, testSet.data.images, a.values, { groundTruth, target: classes });
        const finite = Array.from(r.scores).filter(Number.isFinite);
        scores[name][metric] = finite.reduce((s, v) => s + v, 0) / Math.max(finite.length, 1);
      }
    }
  } finally {
    await model.dispose();
  }
  return { testAccuracy: accuracy(trained, testSet.data), maskShare: groundTruth.reduce((s, v) => s + v, 0) / groundTruth.length, scores };
}
