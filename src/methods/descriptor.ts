/**
 * What a method says about itself (DESIGN.md section 4, "the registry"): its names, its
 * family, what it needs, its options with defaults and ranges, its cost in model
 * evaluations and its run function. The CLI flags, `saliency methods`, the report's
 * columns, the demo and the progress estimates are generated from descriptors; defaults
 * exist once, in `options`.
 *
 * A method file exports one descriptor (`export const descriptor: MethodDescriptor<...>`);
 * `catalog.ts` lists them, one line each.
 */
import type { Model } from '../engine/model.js';
import type { Baseline } from '../baselines/baseline.js';
import type { Preprocessing } from '../engine/space.js';
import type { Attribution, TargetSpec } from './attribution.js';

export type MethodFamily = 'gradient' | 'path' | 'cam' | 'propagation' | 'perturbation' | 'mask';

/** Display order of families in catalogues, grids and reports. */
export const FAMILY_ORDER: readonly MethodFamily[] = ['gradient', 'path', 'cam', 'propagation', 'perturbation', 'mask'];

export const FAMILY_TITLES: Record<MethodFamily, string> = {
  gradient: 'Gradient family',
  path: 'Path methods',
  cam: 'Class activation maps',
  propagation: 'Propagation rules',
  perturbation: 'Perturbation and sampling',
  mask: 'Mask optimisation',
};

interface OptionBase {
  /** One line for `--help` and `saliency methods`. */
  description: string;
  /** CLI flag, default: the key in kebab case (`batchSize` -> `--batch-size`). */
  flag?: string;
}

/** One option of a method or metric: its kind, default and range. */
export type OptionSpec =
  | (OptionBase & { kind: 'integer'; default: number; min?: number; max?: number; /** also accepts the word 'auto' */ auto?: boolean })
  | (OptionBase & { kind: 'number'; default: number; min?: number; max?: number; /** the minimum itself is not allowed */ exclusiveMin?: boolean })
  | (OptionBase & { kind: 'boolean'; default: boolean })
  | (OptionBase & { kind: 'choice'; choices: readonly string[]; default: string; /** other spellings accepted: { sg2: 'smoothgrad_sq' } */ aliases?: Readonly<Record<string, string>> })
  | (OptionBase & { kind: 'string'; default: string });

export type OptionSchema = Record<string, OptionSpec>;

/** The value type an option spec produces ('auto' integers give 'auto' | number). */
export type OptionValue<S extends OptionSpec> = S extends { kind: 'integer'; auto: true }
  ? number | 'auto'
  : S extends { kind: 'integer' | 'number' }
    ? number
    : S extends { kind: 'boolean' }
      ? boolean
      : string;

export type OptionValues<S extends OptionSchema> = { [K in keyof S]: OptionValue<S[K]> };

export interface MethodNeeds {
  /** Gradients of the model (false: forward passes only, so it works on any model). */
  gradients: boolean;
  /** Takes a baseline: runs once per baseline in a comparison. */
  baseline?: boolean;
  /** Takes a layer (an inner tensor, option `layer`). */
  layer?: boolean;
  /** Uses a backward rule set other than the plain gradient. */
  rule?: boolean;
}

/** What a method gets besides its own options: the shared ones (same names everywhere). */
export interface MethodContext {
  /** What is explained (a class per input, or any Target). */
  target: TargetSpec;
  /** The baseline object (for methods with needs.baseline); undefined means the method's default. */
  baseline?: Baseline;
  /** Pixel <-> model space, for methods and defaults defined in pixels (black, blur). */
  preprocessing?: Preprocessing;
  /** Seed of every random draw. */
  seed: number;
  /** Examples per model call; undefined: the model's preferred size. */
  batchSize?: number;
}

export interface CostContext {
  /** Whether the baseline is a distribution (methods then average over draws). */
  randomBaseline: boolean;
  /** One example's input shape, for methods whose cost depends on it (occlusion windows). */
  inputShape: readonly number[];
}

export interface MethodDescriptor<S extends OptionSchema = OptionSchema> {
  /** CLI name: one lowercase word, e.g. 'ig', 'gradcam'. */
  name: string;
  /** Other accepted names ('integratedgradients'); matched ignoring case, '-', '_' and spaces. */
  aliases: readonly string[];
  /** Human name for tables and column heads: 'Integrated Gradients'. */
  title: string;
  family: MethodFamily;
  /** One line: what it computes, with the paper. */
  summary: string;
  needs: MethodNeeds;
  options: S;
  /** Whether two runs with different seeds can differ. */
  random: boolean | ((options: OptionValues<S>, cost: CostContext) => boolean);
  /** Examples through the model (forward or forward+backward) for n inputs, for progress bars and estimates. */
  cost(n: number, options: OptionValues<S>, context: CostContext): number;
  run(model: Model, input: Float32Array, options: OptionValues<S>, context: MethodContext): Promise<Attribution>;
  /** Position within its family in catalogues (lower first); default 100, ties by name. */
  order?: number;
}

/** A descriptor with its option types erased, as the registry holds it. */
export type AnyMethodDescriptor = MethodDescriptor<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Identity with type inference: `export const descriptor = defineMethod({ ... })`. */
export function defineMethod<S extends OptionSchema>(d: MethodDescriptor<S>): MethodDescriptor<S> {
  return d;
}
