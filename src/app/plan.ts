/**
 * Run planning: which runs a (methods x baselines) request expands to, each with its
 * method's descriptor and resolved options; a run's cost for the progress bar; and one
 * run computed through its descriptor. Nothing here names a method: a new line in
 * src/methods/catalog.ts is planned, estimated and run like the others.
 */
import type { Model, Target } from '../engine/model.js';
import { baselineId, baselineTitle, type BaselineSpec } from '../baselines/spec.js';
import { isRandom } from '../baselines/baseline.js';
import type { BuiltBaseline } from '../baselines/build.js';
import type { Preprocessing } from '../engine/space.js';
import type { Attribution } from '../methods/attribution.js';
import type { AnyMethodDescriptor, OptionSchema, OptionSpec } from '../methods/descriptor.js';
import { flagName, type ResolvedOptions } from '../methods/options.js';
import { getMethod, methodCost, methodOptions } from '../methods/registry.js';
import { UsageError } from './errors.js';

/** One column of a comparison: a method with its options, and a baseline when it takes one. */
export interface RunPlan {
  /** File-name-safe id: 'ig-black', 'ig-blur-sigma5', 'gradient'. */
  id: string;
  /** The method's CLI name. */
  method: string;
  descriptor: AnyMethodDescriptor;
  /** Every option of the method, defaults filled in. */
  options: ResolvedOptions;
  baseline?: BaselineSpec;
  /** 'Integrated Gradients'. */
  title: string;
  /** 'blur σ=5' (the baseline), when there is one. */
  subtitle?: string;
}

/** Flags of the verbs themselves (src/cli/main.ts): a method option may not take one. */
export const VERB_FLAGS: ReadonlySet<string> = new Set([
  'model', 'image', 'input', 'method', 'methods', 'baseline', 'target', 'out', 'json', 'batch-size', 'seed', 'paths', 'title',
  'dataset', 'dataset-labels', 'workers', 'redis', 'chunk-size', 'limit', 'preprocess', 'size', 'resize', 'crop-fraction', 'channels', 'layout', 'range', 'mean', 'std', 'labels', 'help', 'only', 'options', 'metrics', 'mask',
]);

/**
 * The CLI flag (without dashes) of a method's option: its `flag`, else its key in kebab
 * case; one that would take a verb's flag (an option named 'method' or 'size') becomes
 * '<method>-<flag>' ('--layerig-method').
 */
export function optionFlag(d: AnyMethodDescriptor, key: string, spec: OptionSpec): string {
  const flag = flagName(key, spec);
  return VERB_FLAGS.has(flag) ? `${d.name}-${flag}` : flag;
}

/**
 * Option values as flags give them, by flag name ('steps', 'quadrature', 'noise',
 * 'max-steps'): one flag sets that option in every method that has it.
 */
export type FlagValues = Record<string, string | number | boolean | undefined>;

/** Per method name: option values by option key, over the flags (the demo's budgets). */
export type MethodOverrides = Record<string, Record<string, unknown>>;

/** A method's options from the flags and overrides, checked, defaults filled in. */
export function optionsFor(d: AnyMethodDescriptor, flags: FlagValues = {}, overrides: MethodOverrides = {}): ResolvedOptions {
  const given: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(d.options as OptionSchema)) {
    const v = flags[optionFlag(d, key, spec)];
    if (v !== undefined) given[key] = typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
  }
  return methodOptions(d, { ...given, ...(overrides[d.name] ?? {}) });
}

/** Flags given that none of the methods takes: a usage error (a flag silently ignored is a trap). */
export function checkFlagsUsed(methods: readonly AnyMethodDescriptor[], flags: FlagValues): void {
  for (const [flag, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    const takers = methods.filter((d) => Object.entries(d.options as OptionSchema).some(([key, spec]) => optionFlag(d, key, spec) === flag));
    if (takers.length === 0) {
      throw new UsageError(`--${flag} is not an option of ${methods.map((d) => d.name).join(', ')} ('saliency methods' lists which methods take it)`);
    }
  }
}

/** Methods x baselines -> runs; methods without a baseline run once, whatever the baselines. */
export function planRuns(methods: readonly string[], baselines: readonly BaselineSpec[], flags: FlagValues = {}, overrides: MethodOverrides = {}): RunPlan[] {
  const descriptors = [...new Set(methods.map(getMethod))];
  checkFlagsUsed(descriptors, flags);
  const plans: RunPlan[] = [];
  const seen = new Set<string>();
  for (const d of descriptors) {
    const options = optionsFor(d, flags, overrides);
    const list: readonly (BaselineSpec | undefined)[] = d.needs.baseline ? baselines : [undefined];
    for (const b of list) {
      const id = b ? `${d.name}-${baselineId(b)}` : d.name;
      if (seen.has(id)) continue;
      seen.add(id);
      plans.push({ id, method: d.name, descriptor: d, options, baseline: b, title: d.title, subtitle: b ? baselineTitle(b) : undefined });
    }
  }
  return plans;
}

/** Examples a run will send through the model, for the progress bar. */
export function planCost(plan: RunPlan, n: number, inputShape: readonly number[], built?: BuiltBaseline): number {
  return methodCost(plan.descriptor, n, plan.options, { randomBaseline: built ? isRandom(built.baseline) : false, inputShape });
}

export interface RunContext {
  seed: number;
  batchSize?: number;
  /** Pixel <-> model space, for methods with defaults in pixels (black, blur). */
  preprocessing?: Preprocessing;
}

export interface RunOutcome {
  plan: RunPlan;
  attribution: Attribution;
  baseline?: BuiltBaseline;
  /** Completeness delta per input, sum(phi) - (f(x) - f(x')), where the method defines it. */
  delta?: Float32Array;
  /** f(x) and f(x') of the explained target, per input (where the method reports them: IG). */
  outputs?: { input: Float32Array; baseline: Float32Array };
  /** Steps each input needed (IG with steps 'auto'). */
  stepsUsed?: number[];
  wallMs: number;
}

/** Run one plan on a batch, explaining class `classes[e]` of input e. */
export async function computeRun(model: Model, batch: Float32Array, classes: readonly number[] | Target, plan: RunPlan, built: BuiltBaseline | undefined, ctx: RunContext): Promise<RunOutcome> {
  const t0 = performance.now();
  const a = await plan.descriptor.run(model, batch, plan.options, {
    target: classes,
    baseline: built?.baseline,
    preprocessing: ctx.preprocessing,
    seed: ctx.seed,
    batchSize: ctx.batchSize,
  });
  // what path methods add to an Attribution (IntegratedGradientsResult)
  const extra = a as Attribution & { outputs?: RunOutcome['outputs']; convergence?: { steps: number[] } };
  return { plan, attribution: a, baseline: built, delta: a.delta, outputs: extra.outputs, stepsUsed: extra.convergence?.steps, wallMs: performance.now() - t0 };
}
