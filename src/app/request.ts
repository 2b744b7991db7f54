/**
 * What the attribution verbs share in a request, from flag texts or library values:
 * method lists, the context options (--seed, --batch-size), IG's steps, and targets
 * (`top1`, a class index, a .npy / .json file). Methods' own options are parsed by the
 * registry (plan.ts), baseline specs by src/baselines/spec.ts. Every parser throws
 * UsageError (exit code 2) or BadInputError (3) naming the flag and the value.
 */
import { parseTargetText, type TargetText } from '../targets/spec.js';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readNpy } from '../io/npy.js';
import { BadInputError, UsageError } from './errors.js';
import type { OptionSpec } from '../methods/descriptor.js';
import { parseBaseline, type BaselineSpec } from '../baselines/spec.js';
import type { PreprocessingFlags } from '../io/preprocess.js';
import type { ProgressSink } from './progress.js';
import { planRuns, type FlagValues, type MethodOverrides, type RunPlan } from './plan.js';
import { stepsPlan } from '../methods/integratedGradients.js';
import { checkOptionValue, parseOptionText } from '../methods/options.js';
import { getMethod } from '../methods/registry.js';

/** The seed every method gets through its context, as an option spec (so --help and errors are uniform). */
export const SEED: OptionSpec = { kind: 'integer', default: 0, min: 0, max: 2 ** 32 - 1, description: 'seed of every random draw (noise, random baselines); same seed, same numbers' };

/** Split repeated and comma-separated flag values: ['ig,gradient', 'smoothgrad'] -> three names. */
export function splitList(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** IG's --steps as the runs see it: '64' or 'auto' (from AUTO_START_STEPS); the default is the descriptor's. */
export function parseSteps(text: string | undefined): { steps: number; auto: boolean } {
  const ig = getMethod('ig');
  return stepsPlan((text === undefined ? ig.options.steps.default : parseOptionText('steps', ig.options.steps, text, 'ig')) as number | 'auto');
}

/** --batch-size: a positive integer. */
export function parseBatchSize(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (String(text).trim() === '' || !Number.isInteger(v) || v < 1) throw new UsageError(`--batch-size must be a positive integer, got '${text}' (default: the model's preferred batch size)`);
  return v;
}

/** --seed: an integer in [0, 2^32). */
export function parseSeed(text: string | number | undefined): number {
  return text === undefined ? (SEED.default as number) : (checkOptionValue('seed', SEED, String(text)) as number);
}

/** What --target asks for: the top class of each input, one class for all, or one class per input. */
export type TargetRequest =
  | { kind: 'top1' }
  | { kind: 'class'; class: number }
  | { kind: 'list'; classes: number[]; source: string }
  /** detection:/box:/segment:/similarity: (targets/spec.ts), built against each input's output in the session */
  | { kind: 'text'; text: TargetText; source: string };

export function parseTarget(text: string | undefined): TargetRequest {
  if (text === undefined || text.toLowerCase() === 'top1' || text.toLowerCase() === 'top') return { kind: 'top1' };
  if (/^-?\d+$/.test(text.trim())) {
    const c = Number(text);
    if (c < 0) throw new BadInputError(`target class ${c} is out of range: class indices start at 0`);
    return { kind: 'class', class: c };
  }
  let spec: TargetText | undefined;
  try {
    spec = parseTargetText(text);
  } catch (e) {
    throw new UsageError(`--target ${(e as Error).message}`);
  }
  if (spec) return { kind: 'text', text: spec, source: text };
  const ext = extname(text).toLowerCase();
  if (ext !== '.npy' && ext !== '.json') {
    throw new UsageError(`--target must be 'top1', a class index, a .npy / .json file of one class per input, or detection:N, box:N:x1, segment:class=N, similarity:REF, got '${text}'`);
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
  if (request.kind === 'top1' || request.kind === 'text') classes = [...top];
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

/** What the attribution verbs (explain, compare) take besides the model and inputs. */
export interface AttributionRequest {
  /** Method names (or comma-separated lists). */
  methods?: readonly string[];
  /** Baseline specs ('black', 'blur:sigma=5', 'dataset:DIR', 'x.npy'). */
  baselines?: readonly string[];
  /**
   * Method options by flag name, as `saliency methods` lists them: { steps: 'auto',
   * quadrature: 'riemann_trapezoid', noise: 0.2 }; a flag sets the option in every
   * chosen method that has it.
   */
  options?: FlagValues;
  /** Shorthands for options.steps, options.samples, options.noise. */
  steps?: string | number;
  samples?: string | number;
  noise?: string | number;
  batchSize?: string | number;
  seed?: string | number;
}

export interface ParsedRequest {
  plans: RunPlan[];
  baselines: BaselineSpec[];
  /** The method flags given (by flag name). */
  flags: FlagValues;
  seed: number;
  batchSize?: number;
}

/** The flags every attribution verb shares, parsed into runs (usage errors name the flag). */
export function parseRequest(o: AttributionRequest, defaults: { methods: string[]; baselines: string[] }, overrides: MethodOverrides = {}): ParsedRequest {
  const methods = splitList(o.methods && o.methods.length ? o.methods : defaults.methods);
  const baselines = splitList(o.baselines && o.baselines.length ? o.baselines : defaults.baselines).map(parseBaseline);
  const flags: FlagValues = { ...(o.options ?? {}) };
  for (const [flag, v] of [['steps', o.steps], ['samples', o.samples], ['noise', o.noise]] as const) if (v !== undefined) flags[flag] = v;
  for (const k of Object.keys(flags)) if (flags[k] === undefined) delete flags[k];
  return { plans: planRuns(methods, baselines, flags, overrides), baselines, flags, seed: parseSeed(o.seed), batchSize: parseBatchSize(o.batchSize) };
}

/** What the attribution verbs (explain, compare) take: the model, the inputs and the request. */
export interface VerbOptions extends AttributionRequest {
  /** An .onnx file, a tfjs model.json (or its directory), or 'nsfwjs:mobilenet_v2'. */
  model: string;
  images?: readonly string[];
  /** 'top1' (default), a class index, or a .npy / .json file of one class per input. */
  target?: string | number;
  /** The region of a segment: target (a .npy or an image). */
  mask?: string;
  preprocessing?: PreprocessingFlags;
  progress?: ProgressSink;
  /** Which model output to explain when it has several (default the first). */
  output?: string;
  /** Told each assumption and warning as a line of text (the CLI: stderr). */
  onNote?: (line: string) => void;
}
