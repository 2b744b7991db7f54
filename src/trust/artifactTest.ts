/**
 * One artifact of Adebayo et al. 2022 (artifacts.ts) as a spurious signal: it marks every
 * training image of one class (`spuriousClass`, default 6, Shirt: the class the clean model
 * confuses most, so the shortcut pays); a spurious model is trained on those images. Reliance:
 * the share of test images of the other classes, artifact added, that the model assigns to
 * the spurious class, against the normal (clean) model's share. Then the measures of
 * spurious.ts on test images of the spurious class, with and without the artifact.
 */
import type { AnyMethodDescriptor } from '../methods/descriptor.js';
import { exportOnnx } from '../training/export.js';
import { datasetSize, slice, type Dataset } from '../training/data.js';
import { train, type TrainedModel, type TrainOptions } from '../training/train.js';
import { predictLogits } from '../training/tfjsForward.js';
import { addArtifact, ARTIFACT_TITLES, type ArtifactName } from './artifacts.js';
import { spuriousMeasures, type SpuriousMeasureOptions, type SpuriousMethodResult } from './spurious.js';
import { argmaxes } from './sanityMaps.js';

export const SPURIOUS_CLASS = 6;

export interface SpuriousArtifactResult {
  artifact: string;
  title: string;
  /** The class the artifact marks in training (absent for the class-coding patch). */
  spuriousClass?: number;
  /** Mean share of the pixels the artifact changes. */
  areaShare: number;
  reliance: { what: string; spuriousModel: number; normalModel: number };
  /** The spurious model's reliance exceeds the normal model's by more than 0.2. */
  relies: boolean;
  methods: SpuriousMethodResult[];
  trainSeconds: number;
}

/** Share of the images a model assigns to `label`. */
function shareAssigned(model: TrainedModel, d: Dataset, label: number): number {
  const n = datasetSize(d);
  const logits = predictLogits(model.architecture, model.params, d.images, n, model.inputShape, model.normalisation.mean, model.normalisation.std);
  return argmaxes(logits, n).filter((c) => c === label).length / Math.max(n, 1);
}

export interface ArtifactTestOptions extends SpuriousMeasureOptions {
  training: TrainOptions;
  explained: number;
  spuriousClass?: number;
}

export async function artifactTest(name: ArtifactName, trainPlain: Dataset, testPlain: Dataset, clean: TrainedModel, descriptors: readonly AnyMethodDescriptor[], o: ArtifactTestOptions): Promise<SpuriousArtifactResult> {
  const k = o.spuriousClass ?? SPURIOUS_CLASS;
  const t0 = performance.now();
  o.onProgress?.(`training the ${name} model (the artifact on every class-${k} training image)`);
  const spurious = await train(addArtifact(trainPlain, name, o.seed, (label) => label === k).data, o.training);
  const trainSeconds = (performance.now() - t0) / 1000;
  const others = slice(testPlain, [...testPlain.labels.keys()].filter((i) => testPlain.labels[i] !== k));
  const othersMarked = addArtifact(others, name, o.seed + 1).data;
  const reliance = { what: `share of other classes' test images, ${name} added, assigned to class ${k}`, spuriousModel: shareAssigned(spurious, othersMarked, k), normalModel: shareAssigned(clean, othersMarked, k) };
  const own = slice(testPlain, [...testPlain.labels.keys()].filter((i) => testPlain.labels[i] === k).slice(0, o.explained));
  if (!datasetSize(own)) throw new Error(`the test subset holds no image of class ${k}; use more test images`);
  const marked = addArtifact(own, name, o.seed + 2);
  const methods = await spuriousMeasures(exportOnnx(spurious), exportOnnx(clean), { spurious: marked.data.images, normal: own.images, masks: marked.masks, targets: Array.from(own.labels) }, descriptors, o);
  const areaShare = marked.masks.reduce((a, b) => a + b, 0) / marked.masks.length;
  return { artifact: name, title: ARTIFACT_TITLES[name], spuriousClass: k, areaShare, reliance, relies: reliance.spuriousModel - reliance.normalModel > 0.2, methods, trainSeconds };
}
