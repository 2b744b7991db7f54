/**
 * Opening a model from what the user typed: the format by extension (`.onnx`; a tfjs
 * `model.json` or a directory holding one; `nsfwjs:<name>` for the models the nsfwjs
 * package bundles), its preprocessing (built in, sidecar JSON, flags), and its labels.
 * TensorFlow.js is imported only when a tfjs model is opened (it costs ~0.4 s).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { sizeOfShape, type Model, type ModelInfo } from '../engine/model.js';
import { loadOnnxModel } from '../engine/onnx.js';
import {
  preprocessingFor,
  preprocessingFromFlags,
  resolvePreprocessing,
  sidecarPath,
  type ImagePreprocessing,
  type PreprocessingFlags,
  type ResolvedPreprocessing,
} from '../io/preprocess.js';
import { BadInputError, UsageError } from './errors.js';
import type { DetectionLayout } from '../targets/detection.js';

export type ModelFormat = 'onnx' | 'tfjs';

export interface OpenedModel {
  model: Model;
  /** What the user gave (a path or 'nsfwjs:<name>'). */
  spec: string;
  format: ModelFormat;
  /** Short name for titles: 'fashion-mnist/model.onnx', 'nsfwjs mobilenet_v2'. */
  name: string;
  info: ModelInfo;
  /** The description before it is resolved against the input shape (sidecar / built in, then flags). */
  preprocessing: ImagePreprocessing;
  /** Where the description came from: 'sidecar PATH', 'built in (nsfwjs)', 'flags'; empty when nothing gave one. */
  preprocessingFrom: string[];
  /** The sidecar file looked for (ONNX and tfjs files), whether or not it exists. */
  sidecar?: string;
  /** How the explained output lays out detections, when the model is known (Human's CenterNet: a class-id column). */
  detections?: DetectionLayout;
  dispose(): Promise<void>;
}

/** Preprocessing of the models nsfwjs bundles: RGB in [0, 1], NHWC, resized by stretching (as nsfwjs does). */
async function nsfwjsPreprocessing(name: string): Promise<ImagePreprocessing> {
  const { NSFWJS_CLASSES } = await import('../engine/tfjs/index.js');
  return {
    size: name === 'inception_v3' ? 299 : 224,
    resize: 'stretch',
    channels: 'RGB',
    layout: 'NHWC',
    pixelRange: [0, 1],
    labels: [...NSFWJS_CLASSES],
    note: 'nsfwjs: pixels / 255, bilinear resize to the input size (no crop), channels last',
  };
}

/**
 * The preprocessing of @vladmandic/human's CenterNet (models/centernet.json) when no sidecar
 * says otherwise: 512 x 512 RGB in 0..255, channels last (as Human feeds it), and the class names
 * the package ships (src/object/labels.ts), so `--target detection:class=person` and the
 * captions name COCO classes; its detections ('tower_0/detections') are the explained output
 * unless --output says otherwise. Undefined for any other model.
 */
async function humanPreprocessing(spec: string): Promise<ImagePreprocessing | undefined> {
  if (basename(spec) !== 'centernet.json') return undefined;
  const tfjs = await import('../engine/tfjs/index.js');
  let shipped: string;
  try {
    shipped = realpathSync(tfjs.humanModelPath('centernet'));
  } catch {
    return undefined;
  }
  if (realpathSync(spec) !== shipped) return undefined;
  const { height, pixelRange } = tfjs.HUMAN_MODELS.centernet.input;
  const labels = tfjs.humanLabels();
  return {
    size: height,
    resize: 'stretch',
    channels: 'RGB',
    layout: 'NHWC',
    pixelRange: [...pixelRange],
    ...(labels ? { labels } : {}),
    note: `@vladmandic/human centernet: pixels 0..255, resized to 512 x 512, channels last${labels ? '; COCO class names from the package' : ''}`,
  };
}

function formatOf(spec: string): ModelFormat | 'nsfwjs' {
  if (spec.startsWith('nsfwjs:')) return 'nsfwjs';
  if (!existsSync(spec)) throw new BadInputError(`cannot open model ${spec}: no such file`);
  if (statSync(spec).isDirectory()) {
    if (existsSync(join(spec, 'model.json'))) return 'tfjs';
    throw new BadInputError(`cannot open model ${spec}: a directory without model.json is not a model (give an .onnx file or a tfjs model directory)`);
  }
  const ext = extname(spec).toLowerCase();
  if (ext === '.json') return 'tfjs';
  return 'onnx'; // .onnx, or anything else: the ONNX loader says clearly when it is not one
}

function shortName(spec: string): string {
  if (spec.startsWith('nsfwjs:')) return `nsfwjs ${spec.slice('nsfwjs:'.length)}`;
  const dir = basename(dirname(spec));
  return dir && dir !== '.' ? `${dir}/${basename(spec)}` : basename(spec);
}

/** Flags -> preprocessing overrides; a value that does not parse is a usage error. */
export function flagPreprocessing(flags: PreprocessingFlags = {}): ImagePreprocessing {
  try {
    return preprocessingFromFlags(flags);
  } catch (e) {
    // a --preprocess FILE that cannot be read is bad input; a malformed value is bad usage
    if (flags.preprocess !== undefined && /preprocessing file|not valid JSON/.test((e as Error).message)) throw new BadInputError((e as Error).message);
    throw new UsageError((e as Error).message);
  }
}

export interface OpenOptions {
  /** Examples per engine call. */
  batchSize?: number;
  /** Which output to explain (default the first). */
  output?: string;
  /** Preprocessing flags (override the sidecar). */
  flags?: PreprocessingFlags;
  /** onnxruntime intra-op threads (a worker pool splits the cores); default: every core. */
  threads?: number;
}

export async function openModel(spec: string, options: OpenOptions = {}): Promise<OpenedModel> {
  const overrides = flagPreprocessing(options.flags);
  const format = formatOf(spec);
  let model: Model;
  let base: ImagePreprocessing;
  let builtIn: string | undefined;
  let detections: DetectionLayout | undefined;
  if (format === 'onnx') {
    base = await sidecar(spec);
    const prep = { ...base, ...overrides };
    try {
      model = await loadOnnxModel(spec, { batchSize: options.batchSize, output: options.output, threads: options.threads });
    } catch (e) {
      const message = (e as Error).message;
      // a symbolic input size: take it from the preprocessing when that says it
      if (/unknown dimensions/.test(message) && prep.size !== undefined) {
        const shape = resolvePreprocessing(prep).shape;
        model = await asModelError(spec, () => loadOnnxModel(spec, { batchSize: options.batchSize, inputShape: shape, output: options.output, threads: options.threads }));
      } else {
        throw new BadInputError(message.startsWith(spec) || message.includes(spec) ? message : `cannot open model ${spec}: ${message}`);
      }
    }
  } else {
    const tfjs = await import('../engine/tfjs/index.js');
    const opts = options.batchSize ? { batchSize: options.batchSize } : {};
    if (format === 'nsfwjs') {
      const name = spec.slice('nsfwjs:'.length);
      if (!(tfjs.NSFWJS_MODELS as readonly string[]).includes(name)) {
        throw new BadInputError(`cannot open model ${spec}: nsfwjs bundles ${tfjs.NSFWJS_MODELS.map((m) => `nsfwjs:${m}`).join(', ')}`);
      }
      base = await nsfwjsPreprocessing(name);
      model = await asModelError(spec, () => tfjs.loadNsfwjsModel(name as (typeof tfjs.NSFWJS_MODELS)[number], opts));
    } else {
      const side = sidecarPath(spec);
      const human = side && existsSync(side) ? undefined : await humanPreprocessing(spec);
      base = human ?? (await sidecar(spec));
      if (human) builtIn = 'built in (@vladmandic/human centernet)';
      // Human's CenterNet explains its detections unless --output names another output
      const output = options.output ?? (human ? tfjs.HUMAN_MODELS.centernet.output : undefined);
      if (human && output === tfjs.HUMAN_MODELS.centernet.output) detections = { ...tfjs.HUMAN_MODELS.centernet.detections };
      model = await asModelError(spec, () => tfjs.loadTfjsModel(spec, { ...opts, output }));
    }
  }
  const info = model.inspect();
  const from: string[] = [];
  const side = format === 'nsfwjs' ? undefined : sidecarPath(spec);
  if (format === 'nsfwjs') from.push(`built in (${spec})`);
  else if (side && existsSync(side)) from.push(`sidecar ${side}`);
  else if (builtIn) from.push(builtIn);
  if (Object.values(options.flags ?? {}).some((v) => v !== undefined)) from.push('flags');
  return {
    model,
    spec,
    format: format === 'nsfwjs' ? 'tfjs' : format,
    name: shortName(spec),
    info,
    preprocessing: { ...base, ...overrides },
    preprocessingFrom: from,
    sidecar: side,
    ...(detections ? { detections } : {}),
    dispose: () => model.dispose(),
  };
}

async function sidecar(spec: string): Promise<ImagePreprocessing> {
  try {
    return preprocessingFor(spec);
  } catch (e) {
    throw new BadInputError((e as Error).message);
  }
}

async function asModelError<T>(spec: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const message = (e as Error).message;
    throw new BadInputError(message.includes(spec) ? message : `cannot open model ${spec}: ${message}`);
  }
}

/** The preprocessing resolved against the model's input shape (a mismatch is bad input). */
export function resolveFor(opened: OpenedModel): ResolvedPreprocessing {
  try {
    // labels name the classes: every output of a classifier, the first axis of a segmentation map [classes, h, w];
    // for detection rows [detections, values] they name class ids, whose count the output does not give
    const s = opened.model.outputShape;
    const detections = s.length === 2 && s[1] >= 5;
    return resolvePreprocessing(opened.preprocessing, opened.model.inputShape, { outputs: detections ? undefined : s.length === 3 ? s[0] : sizeOfShape(s) });
  } catch (e) {
    throw new BadInputError(`${opened.spec}: ${(e as Error).message}`);
  }
}

/** Fail before any work when a node on the gradient path has no backward rule (names the nodes). */
export function requireGradients(opened: OpenedModel): void {
  const missing = opened.info.opsWithoutGradient;
  if (missing.length === 0) return;
  const nodes = opened.info.nodesWithoutGradient;
  const named = nodes?.length
    ? `${nodes
        .slice(0, 5)
        .map((n) => `'${n.node}' (${n.opType})`)
        .join(', ')}${nodes.length > 5 ? ` and ${nodes.length - 5} more` : ''}`
    : missing.map((o) => `'${o}'`).join(', ');
  throw new BadInputError(
    `${opened.spec}: no backward rule for op${missing.length > 1 ? 's' : ''} ${missing.map((o) => `'${o}'`).join(', ')} on the gradient path from the input to the output ` +
      `(node${(nodes?.length ?? 0) > 1 ? 's' : ''} ${named}); gradient methods cannot run on this model (\`saliency inspect\` lists its ops)`,
  );
}
