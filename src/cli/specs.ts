/**
 * Flag values -> what they mean: method names, baseline specs (`blur:sigma=5`), step
 * counts (`64` or `auto`), targets (`top1`, a class index, a .npy / .json file) and plain
 * numbers. Every parser throws UsageError (exit code 2) naming the flag and the value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readNpy } from '../io/npy.js';
import { BadInputError, UsageError } from '../app/errors.js';

export const METHODS = ['ig', 'gradient', 'inputxgradient', 'smoothgrad', 'expectedgradients'] as const;
export type MethodName = (typeof METHODS)[number];

const METHOD_ALIASES: Record<string, MethodName> = {
  ig: 'ig',
  integratedgradients: 'ig',
  gradient: 'gradient',
  grad: 'gradient',
  saliency: 'gradient',
  vanilla: 'gradient',
  inputxgradient: 'inputxgradient',
  ixg: 'inputxgradient',
  gradientxinput: 'inputxgradient',
  smoothgrad: 'smoothgrad',
  sg: 'smoothgrad',
  expectedgradients: 'expectedgradients',
  eg: 'expectedgradients',
};

/** Human names, for tables and column headers. */
export const METHOD_TITLES: Record<MethodName, string> = {
  ig: 'Integrated Gradients',
  gradient: 'Gradient',
  inputxgradient: 'Input × Gradient',
  smoothgrad: 'SmoothGrad',
  expectedgradients: 'Expected Gradients',
};

/** Methods whose result depends on a baseline (the others run once whatever --baseline says). */
export function usesBaseline(m: MethodName): boolean {
  return m === 'ig' || m === 'expectedgradients';
}

/** Split repeated and comma-separated flag values: ['ig,gradient', 'smoothgrad'] -> three names. */
export function splitList(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

export function parseMethod(text: string): MethodName {
  const key = text.toLowerCase().replace(/[-_\s×*]/g, '');
  const m = METHOD_ALIASES[key];
  if (!m) throw new UsageError(`unknown method '${text}' (known: ${METHODS.join(', ')})`);
  return m;
}

export type BaselineKind = 'black' | 'white' | 'gray' | 'maxdistance' | 'blur' | 'uniform' | 'gaussian' | 'dataset';

export interface BaselineSpec {
  kind: BaselineKind;
  /** blur: pixels; gaussian: pixel units. */
  sigma?: number;
  /** dataset: a directory of images, a .npy of model inputs, or an IDX file of images. */
  source?: string;
  /** dataset: at most this many examples are read (a seeded sample). */
  limit?: number;
  /** The spec as written, for messages. */
  text: string;
}

export const BASELINE_KINDS: readonly BaselineKind[] = ['black', 'white', 'gray', 'maxdistance', 'blur', 'uniform', 'gaussian', 'dataset'];

export const BASELINE_DEFAULTS = { blurSigma: 5, gaussianSigma: 0.1, datasetLimit: 1000 } as const;

const BASELINE_ALIASES: Record<string, BaselineKind> = {
  black: 'black',
  zero: 'black',
  white: 'white',
  gray: 'gray',
  grey: 'gray',
  maxdistance: 'maxdistance',
  maxdist: 'maxdistance',
  blur: 'blur',
  blurred: 'blur',
  uniform: 'uniform',
  gaussian: 'gaussian',
  dataset: 'dataset',
  data: 'dataset',
  training: 'dataset',
};

function positiveNumber(flag: string, key: string, text: string, allowZero = false): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new UsageError(`${flag}: ${key} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${text}'`);
  }
  return v;
}

/**
 * 'black', 'maxdistance', 'blur', 'blur:sigma=5', 'uniform', 'gaussian:sigma=0.1',
 * 'dataset:DIR' (also 'dataset:DIR:limit=200').
 */
export function parseBaseline(text: string): BaselineSpec {
  const flag = '--baseline';
  const colon = text.indexOf(':');
  const head = (colon < 0 ? text : text.slice(0, colon)).toLowerCase().replace(/[-_\s]/g, '');
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const kind = BASELINE_ALIASES[head];
  if (!kind) throw new UsageError(`${flag}: unknown baseline '${text}' (known: ${BASELINE_KINDS.join(', ')}; e.g. blur:sigma=5, dataset:DIR)`);
  const spec: BaselineSpec = { kind, text };
  if (kind === 'dataset') {
    // dataset:PATH[:limit=N]; the path itself may hold ':' only on odd file systems
    const m = /^(.*?)(?::limit=(\S+))?$/.exec(rest)!;
    if (!m[1]) throw new UsageError(`${flag}: 'dataset' needs a source: dataset:DIR (images), dataset:FILE.npy (model inputs) or dataset:FILE-idx3-ubyte.gz`);
    spec.source = m[1];
    spec.limit = m[2] === undefined ? BASELINE_DEFAULTS.datasetLimit : positiveNumber(flag, 'limit', m[2]);
    if (!Number.isInteger(spec.limit)) throw new UsageError(`${flag}: limit must be an integer, got '${m[2]}'`);
    return spec;
  }
  const params = new Map<string, string>();
  if (rest) {
    for (const part of rest.split(/[:;]/)) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? 'sigma' : part.slice(0, eq)).trim().toLowerCase();
      params.set(key, (eq < 0 ? part : part.slice(eq + 1)).trim());
    }
  }
  const allowed = kind === 'blur' || kind === 'gaussian' ? ['sigma'] : [];
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      throw new UsageError(`${flag}: '${kind}' takes ${allowed.length ? allowed.map((k) => `${k}=`).join(', ') : 'no parameters'}, got '${text}'`);
    }
  }
  if (kind === 'blur') spec.sigma = params.has('sigma') ? positiveNumber(flag, 'sigma', params.get('sigma')!) : BASELINE_DEFAULTS.blurSigma;
  if (kind === 'gaussian') spec.sigma = params.has('sigma') ? positiveNumber(flag, 'sigma', params.get('sigma')!) : BASELINE_DEFAULTS.gaussianSigma;
  return spec;
}

/** Whether a baseline is a distribution (methods average over draws of it). */
export function isRandomBaseline(spec: BaselineSpec): boolean {
  return spec.kind === 'uniform' || spec.kind === 'gaussian' || spec.kind === 'dataset';
}

/** Short id for file names: 'blur-sigma5', 'gaussian-sigma0.1', 'dataset'. */
export function baselineId(spec: BaselineSpec): string {
  if (spec.kind === 'blur' || spec.kind === 'gaussian') return `${spec.kind}-sigma${spec.sigma}`;
  return spec.kind;
}

/** Human title: 'blur σ=5', 'max distance', 'training data'. */
export function baselineTitle(spec: BaselineSpec): string {
  switch (spec.kind) {
    case 'maxdistance':
      return 'max distance';
    case 'blur':
      return `blur σ=${spec.sigma}`;
    case 'gaussian':
      return `gaussian σ=${spec.sigma}`;
    case 'dataset':
      return 'training data';
    default:
      return spec.kind;
  }
}

export type Steps = { steps: number; auto: false } | { steps: number; auto: true };

/** '64' or 'auto' (start at 16 steps and double until the completeness delta is within 5%). */
export function parseSteps(text: string | undefined, fallback = 64): Steps {
  if (text === undefined) return { steps: fallback, auto: false };
  if (text.toLowerCase() === 'auto') return { steps: 16, auto: true };
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > 100000) throw new UsageError(`--steps must be a positive integer or 'auto', got '${text}'`);
  return { steps: v, auto: false };
}

/** A positive integer flag (--batch-size, --samples). */
export function parsePositiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  return v;
}

/** A non-negative integer flag (--seed). */
export function parseSeed(text: string | undefined): number {
  if (text === undefined) return 0;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0 || v > 2 ** 32 - 1) throw new UsageError(`--seed must be an integer in [0, 2^32), got '${text}'`);
  return v;
}

/** A positive real flag (--sigma). */
export function parsePositiveNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} must be a positive number, got '${text}'`);
  return v;
}

/** What --target asks for: the top class of each input, one class for all, or one class per input. */
export type TargetRequest = { kind: 'top1' } | { kind: 'class'; class: number } | { kind: 'list'; classes: number[]; source: string };

export function parseTarget(text: string | undefined): TargetRequest {
  if (text === undefined || text.toLowerCase() === 'top1' || text.toLowerCase() === 'top') return { kind: 'top1' };
  if (/^-?\d+$/.test(text.trim())) {
    const c = Number(text);
    if (c < 0) throw new BadInputError(`target class ${c} is out of range: class indices start at 0`);
    return { kind: 'class', class: c };
  }
  const ext = extname(text).toLowerCase();
  if (ext !== '.npy' && ext !== '.json') {
    throw new UsageError(`--target must be 'top1', a class index, or a .npy / .json file of one class per input, got '${text}'`);
  }
  if (!existsSync(text)) throw new BadInputError(`cannot read target file ${text}: no such file`);
  let values: number[];
  if (ext === '.npy') {
    let arr;
    try {
      arr = readNpy(text);
    } catch (e) {
      throw new BadInputError(`cannot read target file ${text}: ${(e as Error).message}`);
    }
    values = Array.from(arr.data as ArrayLike<number | bigint>, (v) => Number(v));
  } else {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(text, 'utf8'));
    } catch (e) {
      throw new BadInputError(`cannot read target file ${text}: ${(e as Error).message}`);
    }
    if (typeof json === 'number') json = [json];
    if (!Array.isArray(json)) throw new BadInputError(`target file ${text} must hold a JSON array of class indices (one per input)`);
    values = json.map(Number);
  }
  if (values.length === 0) throw new BadInputError(`target file ${text} holds no class indices`);
  const bad = values.find((v) => !Number.isInteger(v) || v < 0);
  if (bad !== undefined) throw new BadInputError(`target file ${text}: ${bad} is not a class index (non-negative integers expected)`);
  return { kind: 'list', classes: values, source: text };
}

/**
 * The class each of n inputs is explained for; `top` gives each input's top class.
 * Classes outside the model's outputs are bad input (exit code 3).
 */
export function resolveTargetClasses(request: TargetRequest, n: number, outputSize: number, top: readonly number[]): number[] {
  let classes: number[];
  if (request.kind === 'top1') classes = [...top];
  else if (request.kind === 'class') classes = new Array(n).fill(request.class);
  else {
    if (request.classes.length === 1) classes = new Array(n).fill(request.classes[0]);
    else if (request.classes.length !== n) {
      throw new BadInputError(`target file ${request.source} holds ${request.classes.length} classes for ${n} input(s): give one per input (or one for all)`);
    } else classes = [...request.classes];
  }
  const bad = classes.find((c) => c >= outputSize);
  if (bad !== undefined) throw new BadInputError(`target class ${bad} is out of range: the model has ${outputSize} outputs (classes 0..${outputSize - 1})`);
  return classes;
}
