/**
 * The decoy test (the baselines article's decoy Fashion-MNIST, after Ross et al.'s decoy
 * MNIST): a 4x4 patch in the top-left corner (or a random corner, as Ross et al.) whose intensity encodes the class, in training and
 * test images. A decoy model is trained on it and a clean model on the plain images; the
 * decoy model's reliance on the patch is checked (accuracy with the patch, with it blanked,
 * and with another class's intensity), then each method's share of |attribution| inside the
 * patch is measured on both models. A method flags reliance when that share exceeds
 * `flagRatio` x the patch's share of the pixels (16/784 = 2%).
 * Then Adebayo et al. 2022's artifacts (tag, stripes, blur: artifacts.ts, artifactTest.ts),
 * and for every artifact, the patch included, their measures K-SSD, CCM and FAM with the
 * detection and false alarm rates (spurious.ts).
 */
import { join } from 'node:path';
import { getMethod } from '../methods/registry.js';
import { Rng } from '../random.js';
import { datasetSize, imageSize, loadFashionMnist, type Dataset } from '../training/data.js';
import { exportOnnx } from '../training/export.js';
import { accuracy, train, type TrainBackend, type TrainedModel } from '../training/train.js';
import { ARTIFACTS, type ArtifactName } from './artifacts.js';
import { artifactTest, type SpuriousArtifactResult } from './artifactTest.js';
import { spuriousMeasures, type SpuriousMethodResult } from './spurious.js';

export const DECOY_DEFAULTS = { methods: ['gradient', 'inputxgradient', 'ig', 'smoothgrad'], patch: 4, flagRatio: 5, seed: 0 };
export const DECOY_SIZES = {
  quick: { trainImages: 2000, testImages: 500, explained: 32, epochs: 4, architecture: 'small', learningRate: 5e-3 },
  full: { trainImages: 20000, testImages: 2000, explained: 100, epochs: 4, architecture: 'fashion', learningRate: 2e-3 },
};

/** Patch intensity of class c: 1.0 for class 0 down to 0.1 for class 9. */
export const patchIntensity = (label: number, classes: number): number => 1 - (0.9 * label) / Math.max(classes - 1, 1);

export interface DecoyData {
  data: Dataset;
  /** 1 inside the patch, per image and pixel ([n, h, w]). */
  masks: Uint8Array;
}

/** The images with the class-coding patch in a seeded random corner; `intensity` overrides the class's. */
export function addDecoy(d: Dataset, seed: number, patch = DECOY_DEFAULTS.patch, intensity?: (label: number, index: number) => number, randomCorner = false): DecoyData {
  const [c, h, w] = d.shape;
  const n = datasetSize(d);
  const size = imageSize(d);
  const images = d.images.slice();
  const masks = new Uint8Array(n * h * w);
  const rng = new Rng(seed, 0xdec0);
  for (let i = 0; i < n; i++) {
    const corner = randomCorner ? rng.int(4) : 0;
    const [y0, x0] = [corner < 2 ? 0 : h - patch, corner % 2 === 0 ? 0 : w - patch];
    const value = intensity ? intensity(d.labels[i], i) : patchIntensity(d.labels[i], d.classes);
    for (let y = y0; y < y0 + patch; y++) {
      for (let x = x0; x < x0 + patch; x++) {
        masks[i * h * w + y * w + x] = 1;
        for (let k = 0; k < c; k++) images[i * size + k * h * w + y * w + x] = value;
      }
    }
  }
  return { data: { ...d, images }, masks };
}

export interface DecoyMethodResult extends Omit<SpuriousMethodResult, 'spuriousShare' | 'cleanShare'> {
  method: string;
  title: string;
  /** Mean share of |attribution| inside the patch, on the decoy and the clean model. */
  decoyShare: number;
  cleanShare: number;
  /** decoyShare > flagRatio x area share. */
  flagsDecoy: boolean;
  /** cleanShare > flagRatio x area share (a false alarm). */
  flagsClean: boolean;
}

export interface DecoyResult {
  areaShare: number;
  flagRatio: number;
  accuracy: { decoyWithPatch: number; decoyPatchBlanked: number; decoyPatchOfAnotherClass: number; cleanOnPlain: number; cleanWithPatch: number };
  /** The decoy model relies on the patch: blanking or swapping it costs > 20 points. */
  relies: boolean;
  methods: DecoyMethodResult[];
  /** Adebayo et al. 2022's artifacts, each with its own spurious model (the clean model is shared). */
  artifacts: SpuriousArtifactResult[];
  trainSeconds: number;
  seconds: number;
}

export interface DecoyOptions {
  methods?: readonly string[];
  quick?: boolean;
  trainImages?: number;
  testImages?: number;
  /** Test images explained per method and model. */
  explained?: number;
  epochs?: number;
  architecture?: string;
  learningRate?: number;
  seed?: number;
  /** Where the models train: 'engine' (default), 'wasm' or 'cpu' (TensorFlow.js). */
  backend?: TrainBackend;
  flagRatio?: number;
  methodOptions?: Record<string, Record<string, unknown>>;
  /** Artifacts besides the patch (default tag, stripes, blur; [] for the patch only). */
  artifacts?: readonly ArtifactName[];
  /** The class the artifacts mark in training (default 6, Shirt). */
  spuriousClass?: number;
  onProgress?: (what: string) => void;
  /**
   * Directory for the models' training checkpoints (decoy/, clean/ and one per artifact below
   * it, written after every epoch): a stopped run given the same directory resumes each model
   * from its last finished epoch and does not retrain finished ones.
   */
  checkpoints?: string;
  /** Receives the two trained models (to save them). */
  onModels?: (models: { decoy: TrainedModel; clean: TrainedModel }) => void;
}

export async function decoyTest(options: DecoyOptions = {}): Promise<DecoyResult> {
  const t0 = performance.now();
  const size = options.quick ?? true ? DECOY_SIZES.quick : DECOY_SIZES.full;
  const seed = options.seed ?? DECOY_DEFAULTS.seed;
  const flagRatio = options.flagRatio ?? DECOY_DEFAULTS.flagRatio;
  const trainPlain = loadFashionMnist('train', { limit: options.trainImages ?? size.trainImages, seed });
  const testPlain = loadFashionMnist('test', { limit: options.testImages ?? size.testImages, seed: seed + 1 });
  const trainDecoy = addDecoy(trainPlain, seed);
  const testDecoy = addDecoy(testPlain, seed + 1);
  const common = { architecture: options.architecture ?? size.architecture, epochs: options.epochs ?? size.epochs, learningRate: options.learningRate ?? size.learningRate, seed, backend: options.backend };
  const checkpoint = (model: string) => (options.checkpoints ? { checkpoint: join(options.checkpoints, model) } : {});
  options.onProgress?.('training the decoy model');
  const decoy = await train(trainDecoy.data, { ...common, ...checkpoint('decoy') });
  options.onProgress?.('training the clean model');
  const clean = await train(trainPlain, { ...common, ...checkpoint('clean') });
  const trainSeconds = (performance.now() - t0) / 1000;
  options.onModels?.({ decoy, clean });
  const blanked = addDecoy(testPlain, seed + 1, DECOY_DEFAULTS.patch, () => 0);
  const swapped = addDecoy(testPlain, seed + 1, DECOY_DEFAULTS.patch, (label) => patchIntensity((label + 1 + new Rng(seed, label).int(testPlain.classes - 1)) % testPlain.classes, testPlain.classes));
  const acc = {
    decoyWithPatch: accuracy(decoy, testDecoy.data),
    decoyPatchBlanked: accuracy(decoy, blanked.data),
    decoyPatchOfAnotherClass: accuracy(decoy, swapped.data),
    cleanOnPlain: accuracy(clean, testPlain),
    cleanWithPatch: accuracy(clean, testDecoy.data),
  };
  const [c, h, w] = testPlain.shape;
  const pixels = h * w;
  const n = Math.min(options.explained ?? size.explained, datasetSize(testPlain));
  const input = testDecoy.data.images.subarray(0, n * c * pixels);
  const masks = testDecoy.masks.subarray(0, n * pixels);
  const classes = Array.from(testDecoy.data.labels.subarray(0, n));
  const areaShare = (DECOY_DEFAULTS.patch * DECOY_DEFAULTS.patch) / pixels;
  const descriptors = (options.methods ?? DECOY_DEFAULTS.methods).map((m) => getMethod(m));
  const measureOptions = { flagRatio, seed, methodOptions: options.methodOptions, onProgress: options.onProgress };
  const plainInput = testPlain.images.subarray(0, n * c * pixels);
  const measured = await spuriousMeasures(exportOnnx(decoy), exportOnnx(clean), { spurious: input, normal: plainInput, masks, targets: classes }, descriptors, measureOptions);
  const methods = measured.map(({ spuriousShare: decoyShare, cleanShare, ...m }) => ({ ...m, decoyShare, cleanShare, flagsDecoy: decoyShare > flagRatio * areaShare, flagsClean: cleanShare > flagRatio * areaShare }));
  const artifacts: SpuriousArtifactResult[] = [];
  for (const name of options.artifacts ?? ARTIFACTS) {
    artifacts.push(await artifactTest(name, trainPlain, testPlain, clean, descriptors, { ...measureOptions, training: { ...common, ...checkpoint(name) }, explained: n, spuriousClass: options.spuriousClass }));
  }
  const relies = acc.decoyWithPatch - Math.min(acc.decoyPatchBlanked, acc.decoyPatchOfAnotherClass) > 0.2;
  return { areaShare, flagRatio, accuracy: acc, relies, methods, artifacts, trainSeconds: trainSeconds + artifacts.reduce((t, a) => t + a.trainSeconds, 0), seconds: (performance.now() - t0) / 1000 };
}
