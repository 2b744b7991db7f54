/**
 * A session: what explain, compare and demo share. The model opened, the inputs read
 * (image files through the preprocessing, or a .npy batch of model inputs), the model's
 * predictions, the explained classes, the baselines built once, and the planned runs
 * estimated and computed with progress.
 */
import { basename, extname } from 'node:path';
import { existsSync } from 'node:fs';
import type { Preprocessing } from '../baselines/index.js';
import { sizeOfShape } from '../engine/model.js';
import { ImageError, loadImages, readPng, type LoadedImage } from '../io/image.js';
import { modelInputsFromNpy, NpyError, readNpy } from '../io/npy.js';
import { checkLabelCount, readLabels, type Assumption, type ImagePreprocessing, type PreprocessingFlags, type ResolvedPreprocessing } from '../io/preprocess.js';
import { buildBaseline, type BuiltBaseline } from '../baselines/build.js';
import { baselineId, type BaselineSpec } from '../baselines/spec.js';
import { BadInputError, UsageError } from './errors.js';
import { openModel, requireGradients, resolveFor, type OpenedModel } from './model.js';
import { noProgress, type ProgressSink } from './progress.js';
import type { Model, Target } from '../engine/model.js';
import { buildTarget, perInput, type TargetText } from '../targets/spec.js';
import type { DetectionLayout } from '../targets/detection.js';
import { computeRun, planCost, type RunContext, type RunOutcome, type RunPlan } from './plan.js';
import { predict, type Prediction } from './predict.js';
import { parseTarget, resolveTargetClasses, type TargetRequest } from './request.js';

export interface SessionOptions {
  model: string;
  images?: readonly string[];
  /** A .npy of preprocessed inputs ([n, ...inputShape] or one example). */
  input?: string;
  target?: string;
  /** Region of a segment: target (.npy of height x width weights, or a PNG whose non-black pixels are the region). */
  mask?: string;
  batchSize?: number;
  /** Which model output is explained (default the first). */
  output?: string;
  preprocessing?: PreprocessingFlags;
  progress?: ProgressSink;
  /** A model already open (the explorer's server keeps its models open): used instead of opening `model`, and left open. */
  opened?: OpenedModel;
}

export interface Session {
  opened: OpenedModel;
  /** The model, reporting its evaluations to the progress bar (Model.onProgress). */
  model: Model;
  progress: ProgressSink;
  /** How image files were read (image mode). */
  prep?: ResolvedPreprocessing;
  /** Pixel <-> model space for baselines (undefined for raw inputs with no preprocessing known). */
  space?: Preprocessing;
  batch: Float32Array;
  /** [n, ...inputShape] (image mode), or the input .npy's own shape (attributions are written in it). */
  shape: number[];
  images?: LoadedImage[];
  /** Per input: the file's stem (image mode) or 'x[i]'. */
  names: string[];
  /** Per input: its files' paths (image mode). */
  files?: string[];
  /** Per input: classes ranked by the model (top 5). */
  predictions: Prediction[][];
  labels?: string[];
  /** The class explained for each input (each input's top class for the targets beyond a class). */
  classes: number[];
  /** The target beyond a class (detection:, box:, segment:, similarity:), built against each input's output. */
  target?: Target;
  targetRequest: TargetRequest;
  loadMs: number;
  predictMs: number;
  baselines: Map<string, BuiltBaseline>;
  /** Everything the tool chose because nothing said it (the CLI prints them; records keep them). */
  assumptions: Assumption[];
}

function hasSpace(p: ImagePreprocessing): boolean {
  return p.pixelRange !== undefined || p.mean !== undefined || p.std !== undefined || p.layout !== undefined;
}

/** File stems, made unique ('a', 'a-2'). */
function stems(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const stem = basename(p, extname(p)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'image';
    const k = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, k);
    return k === 1 ? stem : `${stem}-${k}`;
  });
}

/** A .npy of model inputs -> a float32 batch ([n, ...inputShape] or one example; float, finite, not empty). */
function readInputs(path: string, inputShape: readonly number[]): { batch: Float32Array; shape: number[] } {
  if (!existsSync(path)) throw new BadInputError(`cannot read input ${path}: no such file`);
  try {
    const { batch, shape } = modelInputsFromNpy(readNpy(path), inputShape, `input ${path}`);
    return { batch, shape };
  } catch (e) {
    if (!(e instanceof NpyError)) throw e;
    throw new BadInputError(e.message.startsWith('input ') ? e.message : e.message.startsWith(path) ? `input ${e.message}` : `cannot read input ${path}: ${e.message}`);
  }
}

/** What the tool assumed: preprocessing values nobody gave, the output explained, the batch size. */
function assumptionsOf(opened: OpenedModel, prep: ResolvedPreprocessing | undefined, imageMode: boolean, batchSize: number | undefined): Assumption[] {
  const list: Assumption[] = [];
  if (imageMode && opened.preprocessingFrom.length === 0) {
    list.push({
      key: 'preprocessing',
      value: null,
      flag: '--preprocess',
      because: `no sidecar (${opened.sidecar ?? 'none'}) and no preprocessing flags, so the values below are guesses; a sidecar or --preprocess imagenet|keras-tf|FILE states them`,
    });
  }
  if (imageMode && prep) list.push(...prep.assumed);
  const names = opened.info.outputNames ?? [];
  if (names.length > 1) {
    list.push({ key: 'output', value: opened.info.outputName, flag: '--output', because: `the model has ${names.length} outputs (${names.join(', ')}); only this one is explained` });
  }
  const memory = opened.info.memory;
  if (batchSize === undefined && memory) {
    list.push({ key: 'batchSize', value: memory.batchSize, flag: '--batch-size', because: `from the model's activations (${(memory.activationBytesPerExample / 2 ** 20).toFixed(0)} MB per example, 256 MB per call)` });
  }
  return list;
}

/** Build a detection/box/segment/similarity target against each input's own output. */
async function textTarget(
  model: Model,
  batch: Float32Array,
  text: TargetText,
  o: { labels?: string[]; prep?: ResolvedPreprocessing; mask?: string; detections?: DetectionLayout },
): Promise<Target> {
  const outputs = (await model.run(batch, { outputs: ['logits'] }))['logits'];
  const size = sizeOfShape(model.outputShape);
  let mask: Float32Array | undefined;
  if (o.mask) {
    if (text.kind !== 'segment') throw new UsageError('--mask is for segment: targets');
    mask = await readMask(o.mask);
  }
  let reference: Float32Array | undefined;
  if (text.kind === 'similarity') {
    const ref = text.reference;
    let x: Float32Array;
    if (extname(ref).toLowerCase() === '.npy') x = readInputs(ref, model.inputShape).batch.subarray(0, sizeOfShape(model.inputShape));
    else if (o.prep) x = (await loadImages([ref], o.prep)).batch;
    else throw new UsageError(`similarity:${ref}: give the reference as a .npy input (the model's preprocessing is unknown)`);
    reference = (await model.run(x, { outputs: ['logits'] }))['logits'].slice(0, size);
  }
  const n = outputs.length / size;
  try {
    return perInput(Array.from({ length: n }, (_, i) => buildTarget(text, { outputShape: model.outputShape, output: outputs.subarray(i * size, (i + 1) * size), labels: o.labels, mask, reference, detections: o.detections })));
  } catch (e) {
    throw new BadInputError(`--target: ${(e as Error).message}`);
  }
}

/** A mask file: .npy weights, or an image whose non-black pixels are the region. */
async function readMask(path: string): Promise<Float32Array> {
  if (!existsSync(path)) throw new BadInputError(`cannot read mask ${path}: no such file`);
  if (extname(path).toLowerCase() === '.npy') {
    const a = readNpy(path);
    return Float32Array.from(a.data as ArrayLike<number>, Number);
  }
  const png = await readPng(path);
  return Float32Array.from({ length: png.width * png.height }, (_, p) => (png.data[4 * p] + png.data[4 * p + 1] + png.data[4 * p + 2] > 0 ? 1 : 0));
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const progress = o.progress ?? noProgress;
  const targetRequest = parseTarget(o.target);
  if ((o.images?.length ?? 0) > 0 && o.input) throw new UsageError('give either --image files or --input x.npy, not both');
  if (!(o.images?.length ?? 0) && !o.input) throw new UsageError('nothing to explain: give --image FILE... or --input x.npy');
  const t0 = performance.now();
  const opened = o.opened ?? (await openModel(o.model, { batchSize: o.batchSize, flags: o.preprocessing, output: o.output }));
  try {
    requireGradients(opened);
    const model = opened.model;
    let prep: ResolvedPreprocessing | undefined;
    let space: Preprocessing | undefined;
    let batch: Float32Array;
    let shape: number[];
    let images: LoadedImage[] | undefined;
    let names: string[];
    let labels: string[] | undefined;
    if (o.images && o.images.length > 0) {
      prep = resolveFor(opened);
      space = prep;
      labels = prep.labels;
      try {
        ({ batch, shape, images } = await loadImages(o.images, prep));
      } catch (e) {
        if (e instanceof ImageError) throw new BadInputError(e.message);
        throw e;
      }
      names = stems(o.images);
    } else {
      ({ batch, shape } = readInputs(o.input!, opened.model.inputShape));
      const p = opened.preprocessing;
      space = hasSpace(p) ? { layout: p.layout, pixelRange: p.pixelRange, mean: p.mean, std: p.std } : undefined;
      try {
        // images (dataset:DIR baselines) and labels, when the preprocessing describes them
        prep = resolveFor(opened);
        labels = prep.labels;
      } catch {
        prep = undefined;
      }
      // labels apply to raw inputs as much as to images: a file that does not fit is an error
      if (!labels && p.labels !== undefined) {
        try {
          labels = typeof p.labels === 'string' ? readLabels(p.labels) : [...p.labels];
          checkLabelCount(labels, sizeOfShape(opened.model.outputShape), typeof p.labels === 'string' ? p.labels : 'the labels');
        } catch (e) {
          throw new BadInputError((e as Error).message);
        }
      }
      const n = batch.length / sizeOfShape(opened.model.inputShape);
      names = Array.from({ length: n }, (_, i) => `x[${i}]`);
    }
    const loadMs = performance.now() - t0;
    const n = batch.length / sizeOfShape(opened.model.inputShape);
    const t1 = performance.now();
    const { ranked } = await predict(opened.model, batch, labels);
    const predictMs = performance.now() - t1;
    const outputSize = sizeOfShape(opened.model.outputShape);
    const classes = resolveTargetClasses(targetRequest, n, outputSize, ranked.map((r) => r[0].class));
    const target = targetRequest.kind === 'text' ? await textTarget(opened.model, batch, targetRequest.text, { labels, prep, mask: o.mask, detections: opened.detections }) : undefined;
    // from here on every evaluation moves the progress bar
    model.onProgress = (examples) => progress.advance(examples);
    return {
      opened,
      model,
      progress,
      prep,
      space,
      batch,
      shape,
      images,
      names,
      files: o.images ? [...o.images] : undefined,
      predictions: ranked,
      labels,
      classes,
      target,
      targetRequest,
      loadMs,
      predictMs,
      baselines: new Map(),
      assumptions: assumptionsOf(opened, prep, Boolean(o.images?.length), o.batchSize),
    };
  } catch (e) {
    if (!o.opened) await opened.dispose();
    throw e;
  }
}

/** The baseline of a spec, built once per session. */
export async function baselineFor(session: Session, spec: BaselineSpec, seed: number): Promise<BuiltBaseline> {
  const key = `${baselineId(spec)}|${spec.source ?? ''}|${spec.limit ?? ''}|${seed}`;
  let built = session.baselines.get(key);
  if (!built) {
    built = await buildBaseline(spec, { model: session.model, preprocessing: session.space, images: session.prep, seed });
    session.baselines.set(key, built);
  }
  return built;
}

/** The run context of a session: its preprocessing, with the seed and batch size asked. */
export function contextOf(session: Session, seed: number, batchSize?: number): RunContext {
  return { seed, batchSize, preprocessing: session.space };
}

/** Build every plan's baseline, then the evaluations all the runs will take (random baselines average over draws). */
export async function estimateAll(session: Session, plans: readonly RunPlan[], seed: number): Promise<number> {
  const n = session.names.length;
  let total = 0;
  for (const p of plans) total += planCost(p, n, session.opened.model.inputShape, p.baseline ? await baselineFor(session, p.baseline, seed) : undefined);
  return total;
}

/** Compute the runs in order, with the progress bar labelled by the run. */
export async function runAll(session: Session, plans: readonly RunPlan[], ctx: RunContext, label = ''): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  for (const plan of plans) {
    session.progress.setLabel(`${label}${plan.id}`);
    const built = plan.baseline ? await baselineFor(session, plan.baseline, ctx.seed) : undefined;
    outcomes.push(await computeRun(session.model, session.batch, session.target ?? session.classes, plan, built, ctx));
  }
  return outcomes;
}

/** The label of class c. */
export function labelOf(session: Session, c: number): string {
  return session.labels?.[c] ?? `class ${c}`;
}
