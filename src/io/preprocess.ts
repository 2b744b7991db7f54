/**
 * How an image file becomes a model input, as a JSON-able description: the baselines'
 * `Preprocessing` (layout, pixelRange, mean, std: src/baselines/space.ts, so images and
 * baselines agree on what "pixel" and "model value" mean) plus what only images need:
 * the size, how to get there (resize / crop / pad), the channel order, and the labels.
 *
 * It comes from a sidecar JSON next to the model (model.onnx -> model.preprocess.json;
 * a tfjs model.json -> model.preprocess.json; a model directory -> DIR/preprocess.json),
 * from command-line flags (which win), and what is still missing from the model's input shape.
 *
 *   { "size": [224, 224], "resize": "crop", "cropFraction": 0.875, "channels": "RGB",
 *     "layout": "NCHW", "pixelRange": [0, 1], "mean": [0.485, 0.456, 0.406],
 *     "std": [0.229, 0.224, 0.225], "labels": "labels.txt" }
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Layout, Preprocessing } from '../engine/space.js';
import { SaliencyError } from '../errors.js';

/** 'stretch': to the size, aspect ratio ignored; 'crop': scale to cover, centre crop; 'pad': scale to fit, pad with black. */
export type ResizeMode = 'stretch' | 'crop' | 'pad';
/** Channel order the model expects: 'RGB', 'BGR' (Caffe-style models), 'L' (one grey channel). */
export type ChannelOrder = 'RGB' | 'BGR' | 'L';

export interface ImagePreprocessing extends Preprocessing {
  /** Model input size [height, width] (one number: square). Default: from the model's input shape. */
  size?: number | readonly [number, number];
  /** Default 'crop'. */
  resize?: ResizeMode;
  /**
   * With 'crop': the crop covers this fraction of the scaled image's shorter side
   * (torchvision's Resize(256) + CenterCrop(224) is 224 / 256 = 0.875). Default 1.
   */
  cropFraction?: number;
  /** Default: 'L' for one-channel models, else 'RGB'. */
  channels?: ChannelOrder;
  /** Class names: a file (one per line, or JSON: array / {"0": name} / {"0": [id, name]}) or the names themselves. */
  labels?: string | readonly string[];
  /** Free text for people (ignored). */
  note?: string;
}

/** Everything decided: what io/image.ts needs. */
export interface ResolvedPreprocessing {
  height: number;
  width: number;
  resize: ResizeMode;
  cropFraction: number;
  channels: ChannelOrder;
  layout: Layout;
  pixelRange: [number, number];
  mean: number | number[];
  std: number | number[];
  labels?: string[];
  /** The per-example input shape this produces, e.g. [3, 224, 224]. */
  shape: number[];
  /**
   * Every value that was guessed rather than given (by a sidecar, a preset or a flag), with
   * the flag that sets it: the CLI prints these and records them, so a wrong guess is visible.
   */
  assumed: Assumption[];
}

/** A preprocessing value the tool chose because nothing said it. */
export interface Assumption {
  /** The key in the preprocessing JSON: 'pixelRange', 'mean', 'layout' ... */
  key: string;
  value: unknown;
  /** The command-line flag that sets it. */
  flag: string;
  /** Why this value: 'default' or what it was inferred from. */
  because: string;
}

export class PreprocessingError extends SaliencyError {
  override name = 'PreprocessingError';
  constructor(message: string) {
    super('bad-input', message);
  }
}

const KEYS = new Set(['size', 'resize', 'cropFraction', 'channels', 'layout', 'pixelRange', 'mean', 'std', 'labels', 'note']);

/** Common presets, usable as `--preprocess NAME` or `"preset": NAME` in a sidecar. */
export const PRESETS: Record<string, ImagePreprocessing> = {
  /** torchvision's ImageNet evaluation transform. */
  imagenet: { size: 224, resize: 'crop', cropFraction: 0.875, channels: 'RGB', layout: 'NCHW', pixelRange: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  /** Keras applications with mode 'tf' (MobileNet, Inception): pixels scaled to [-1, 1], channels last. */
  'keras-tf': { resize: 'crop', channels: 'RGB', layout: 'NHWC', pixelRange: [-1, 1] },
};

function isNumberList(v: unknown, n?: number): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && (n === undefined || v.length === n);
}

/** Check a parsed description (from a sidecar or flags); `source` names it in errors. */
export function validatePreprocessing(value: unknown, source: string): ImagePreprocessing {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PreprocessingError(`${source}: preprocessing must be a JSON object`);
  const raw = { ...(value as Record<string, unknown>) };
  let out: Record<string, unknown> = {};
  if ('preset' in raw) {
    const preset = PRESETS[String(raw.preset)];
    if (!preset) throw new PreprocessingError(`${source}: unknown preset '${String(raw.preset)}' (known: ${Object.keys(PRESETS).join(', ')})`);
    out = { ...preset };
    delete raw.preset;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (!KEYS.has(k)) throw new PreprocessingError(`${source}: unknown key '${k}' (known: preset, ${[...KEYS].join(', ')})`);
    if (v !== undefined) out[k] = v;
  }
  const bad = (key: string, want: string) => new PreprocessingError(`${source}: '${key}' must be ${want}, got ${JSON.stringify(out[key])}`);
  const { size, resize, cropFraction, channels, layout, pixelRange, mean, std, labels } = out;
  if (size !== undefined && !(isPositiveInt(size) || (isNumberList(size, 2) && size.every(isPositiveInt)))) throw bad('size', 'a positive integer or [height, width]');
  if (resize !== undefined && !['stretch', 'crop', 'pad'].includes(resize as string)) throw bad('resize', "'stretch', 'crop' or 'pad'");
  if (cropFraction !== undefined && !(typeof cropFraction === 'number' && cropFraction > 0 && cropFraction <= 1)) throw bad('cropFraction', 'a number in (0, 1]');
  if (channels !== undefined && !['RGB', 'BGR', 'L'].includes(channels as string)) throw bad('channels', "'RGB', 'BGR' or 'L'");
  if (layout !== undefined && !['NCHW', 'NHWC', 'flat'].includes(layout as string)) throw bad('layout', "'NCHW', 'NHWC' or 'flat'");
  if (pixelRange !== undefined && !(isNumberList(pixelRange, 2) && pixelRange[0] < pixelRange[1])) throw bad('pixelRange', '[min, max] with min < max');
  if (mean !== undefined && !(typeof mean === 'number' || isNumberList(mean))) throw bad('mean', 'a number or a list of numbers');
  if (std !== undefined && !((typeof std === 'number' && std > 0) || (isNumberList(std) && std.every((s) => s > 0)))) throw bad('std', 'a positive number or a list of them');
  if (labels !== undefined && !(typeof labels === 'string' || (Array.isArray(labels) && labels.every((l) => typeof l === 'string')))) throw bad('labels', 'a file name or a list of names');
  return out as ImagePreprocessing;
}

/** Why a file could not be read, in words (no errno names or stack details). */
export function fsReason(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    default:
      return (e as Error).message?.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '') ?? String(e);
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** The sidecar a model's preprocessing is read from. */
export function sidecarPath(modelPath: string): string {
  if (existsSync(modelPath) && statSync(modelPath).isDirectory()) return join(modelPath, 'preprocess.json');
  const ext = extname(modelPath);
  return join(dirname(modelPath), `${basename(modelPath, ext)}.preprocess.json`);
}

/** Read a preprocessing JSON file; a relative labels path becomes relative to that file. */
export function readPreprocessingFile(path: string): ImagePreprocessing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PreprocessingError(`cannot read preprocessing file ${path}: ${fsReason(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PreprocessingError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const p = validatePreprocessing(json, path);
  if (typeof p.labels === 'string') p.labels = resolve(dirname(path), p.labels);
  return p;
}

/** The model's sidecar (if there is one) overridden by `overrides` (flags). */
export function preprocessingFor(modelPath: string, overrides: ImagePreprocessing = {}): ImagePreprocessing {
  const side = sidecarPath(modelPath);
  const base = existsSync(side) ? readPreprocessingFile(side) : {};
  const clean = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...base, ...clean };
}

/** Flag values as the CLI gets them (strings) -> a description. Flag names appear in errors. */
export interface PreprocessingFlags {
  preprocess?: string; // a preset name or a JSON file
  size?: string; // '224' or '224x224' (height x width)
  resize?: string;
  cropFraction?: string;
  channels?: string;
  layout?: string;
  range?: string; // '0,1' or '0,255' or '-1,1'
  mean?: string; // '0.485,0.456,0.406'
  std?: string;
  labels?: string;
}

export function preprocessingFromFlags(flags: PreprocessingFlags): ImagePreprocessing {
  const list = (flag: string, text: string): number[] => {
    const values = text.split(',').map((s) => Number(s.trim()));
    if (values.length === 0 || values.some((v) => !Number.isFinite(v))) throw new PreprocessingError(`--${flag} must be numbers separated by commas, got '${text}'`);
    return values;
  };
  let out: ImagePreprocessing = {};
  if (flags.preprocess !== undefined) {
    const name = flags.preprocess;
    if (name in PRESETS) out = { ...PRESETS[name] };
    else if (!existsSync(name) && !/[./\\]/.test(name)) {
      throw new PreprocessingError(`--preprocess '${name}' is not a preset (presets: ${Object.keys(PRESETS).join(', ')}) nor a JSON file`);
    } else out = readPreprocessingFile(name);
  }
  const given: Record<string, unknown> = {};
  if (flags.size !== undefined) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(flags.size.trim());
    if (!m) throw new PreprocessingError(`--size must be N or HxW (e.g. 224 or 224x224), got '${flags.size}'`);
    given.size = m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
  }
  if (flags.resize !== undefined) given.resize = flags.resize;
  if (flags.cropFraction !== undefined) given.cropFraction = Number(flags.cropFraction);
  if (flags.channels !== undefined) given.channels = flags.channels.toUpperCase();
  if (flags.layout !== undefined) given.layout = flags.layout.toUpperCase() === 'FLAT' ? 'flat' : flags.layout.toUpperCase();
  if (flags.range !== undefined) given.pixelRange = list('range', flags.range);
  if (flags.mean !== undefined) given.mean = list('mean', flags.mean);
  if (flags.std !== undefined) given.std = list('std', flags.std);
  if (flags.labels !== undefined) given.labels = resolve(flags.labels);
  const checked = validatePreprocessing(given, 'flags');
  return { ...out, ...checked };
}

/** Class names from a file: one per line, or JSON (array, {"0": name}, {"0": [id, name]}). */
export function readLabels(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PreprocessingError(`cannot read labels file ${path}: ${fsReason(e)}`);
  }
  if (path.toLowerCase().endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new PreprocessingError(`labels file ${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (Array.isArray(json)) return json.map(String);
    if (json && typeof json === 'object') {
      const entries = Object.entries(json as Record<string, unknown>);
      const out: string[] = [];
      for (const [k, v] of entries) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0) throw new PreprocessingError(`labels file ${path}: key '${k}' is not a class index`);
        out[i] = Array.isArray(v) ? String(v[v.length - 1]) : String(v);
      }
      return Array.from(out, (l, i) => l ?? String(i));
    }
    throw new PreprocessingError(`labels file ${path}: expected a JSON array or object`);
  }
  const lines = text.replace(/\r/g, '').split('\n').map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // trailing newlines
  return lines;
}

/**
 * Fill in what the description leaves open from the model's per-example input shape
 * ([C, H, W], [H, W, C], [H, W] or [H * W * C]), and check that the two agree.
 */
export function resolvePreprocessing(p: ImagePreprocessing, inputShape?: readonly number[], model: { outputs?: number } = {}): ResolvedPreprocessing {
  const where = (msg: string) => new PreprocessingError(msg);
  const assumed: Assumption[] = [];
  const assume = (key: string, value: unknown, flag: string, because: string) => assumed.push({ key, value, flag, because });
  let layout: Layout | undefined = p.layout;
  let shapeH: number | undefined;
  let shapeW: number | undefined;
  let shapeC: number | undefined;
  if (inputShape) {
    const s = inputShape;
    if (s.length === 3) {
      if (layout === undefined) {
        layout = s[0] <= s[2] ? 'NCHW' : 'NHWC';
        assume('layout', layout, '--layout', `the model's input shape [${s.join(', ')}] (channels ${layout === 'NCHW' ? 'first' : 'last'})`);
      }
      if (layout === 'NCHW') [shapeC, shapeH, shapeW] = s;
      else if (layout === 'NHWC') [shapeH, shapeW, shapeC] = s;
      else throw where(`layout 'flat' does not fit the model's input shape [${s.join(', ')}]`);
    } else if (s.length === 2) {
      layout ??= 'flat';
      [shapeH, shapeW, shapeC] = [s[0], s[1], 1];
    } else if (s.length === 1) {
      layout ??= 'flat';
    } else {
      throw where(`a model input of shape [${s.join(', ')}] is not an image`);
    }
  }
  const size = p.size === undefined ? undefined : typeof p.size === 'number' ? [p.size, p.size] : [...p.size];
  const height = size?.[0] ?? shapeH;
  const width = size?.[1] ?? shapeW;
  if (height === undefined || width === undefined) {
    throw where('the input size is unknown: give it (--size HxW or "size" in the preprocessing JSON) or use a model with a fixed input shape');
  }
  if (shapeH !== undefined && (height !== shapeH || width !== shapeW)) {
    throw where(`preprocessing size ${height}x${width} does not match the model's input ${shapeH}x${shapeW}`);
  }
  const channels: ChannelOrder = p.channels ?? (shapeC === 1 ? 'L' : 'RGB');
  if (p.channels === undefined && channels === 'RGB') assume('channels', 'RGB', '--channels', 'default (BGR for Caffe-style models)');
  const c = channels === 'L' ? 1 : 3;
  if (shapeC !== undefined && shapeC !== c) throw where(`channels '${channels}' give ${c} channel(s) but the model's input has ${shapeC}`);
  layout ??= 'NCHW';
  const shape = layout === 'NCHW' ? [c, height, width] : layout === 'NHWC' ? [height, width, c] : c === 1 && inputShape?.length === 2 ? [height, width] : [height * width * c];
  if (inputShape && inputShape.length === 1 && inputShape[0] !== height * width * c) {
    throw where(`a ${height}x${width}x${c} image has ${height * width * c} values but the model's input has ${inputShape[0]}`);
  }
  const perChannel = (v: number | readonly number[] | undefined, fallback: number, key: string): number | number[] => {
    if (v === undefined) return fallback;
    if (typeof v === 'number') return v;
    if (v.length === 1) return v[0];
    if (v.length !== c) throw where(`preprocessing ${key} has ${v.length} values but the image has ${c} channel(s)`);
    return [...v];
  };
  if (p.resize === undefined) assume('resize', 'crop', '--resize', 'default: scale to cover, centre crop');
  if (p.cropFraction === undefined && (p.resize ?? 'crop') === 'crop') assume('cropFraction', 1, '--crop-fraction', "default: the crop spans the scaled image's shorter side (torchvision's 256 -> 224 is 0.875)");
  if (p.pixelRange === undefined) assume('pixelRange', [0, 1], '--range', 'default: pixels / 255');
  if (p.mean === undefined) assume('mean', 0, '--mean', 'default: nothing subtracted');
  if (p.std === undefined) assume('std', 1, '--std', 'default: nothing divided');
  const labels = p.labels === undefined ? undefined : typeof p.labels === 'string' ? readLabels(p.labels) : [...p.labels];
  if (labels && model.outputs !== undefined) checkLabelCount(labels, model.outputs, typeof p.labels === 'string' ? p.labels : 'the labels');
  return {
    height,
    width,
    resize: p.resize ?? 'crop',
    cropFraction: p.cropFraction ?? 1,
    channels,
    layout,
    pixelRange: [...(p.pixelRange ?? [0, 1])] as [number, number],
    mean: perChannel(p.mean, 0, 'mean'),
    std: perChannel(p.std, 1, 'std'),
    labels,
    shape,
    assumed,
  };
}

/**
 * One name per model output, in order: anything else would put the wrong name on every
 * class (an ImageNet file with a header line, or without the background class a TF model has).
 */
export function checkLabelCount(labels: readonly string[], outputs: number, source: string): void {
  if (labels.length === outputs) return;
  const hint =
    labels.length === outputs + 1
      ? ' (a header line, or a background class the model does not have?)'
      : labels.length + 1 === outputs
        ? ' (the model may have a background class at index 0: add a first line for it)'
        : '';
  throw new PreprocessingError(
    `labels file ${source} has ${labels.length} names but the model has ${outputs} outputs${hint}; ` +
      'give one name per output, in output order (--labels FILE, or "labels" in the preprocessing JSON)',
  );
}

/** The assumptions as lines for people: "pixelRange = [0,1] (default: pixels / 255; set with --range)". */
export function describeAssumptions(assumed: readonly Assumption[]): string[] {
  return assumed.map((a) => `${a.key} = ${JSON.stringify(a.value)} (${a.because}; set with ${a.flag})`);
}
