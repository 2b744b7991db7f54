/**
 * `saliency evaluate` below the CLI: a session's runs scored by metrics through the
 * library's `evaluate()` (same options: metric options keyed by metric name), with the
 * progress bar sized from the metric descriptors' cost, robustness metrics re-explaining
 * through each run's own descriptor, ground-truth masks read from --mask, and maps that
 * are not at the input's resolution (layer attributions, CAMs with upsample 'none')
 * left out with the reason. Metric option flags are `--<metric>-<option>`
 * (`--deletion-steps 20`, `--aopc-patch-size 4`), generated from the descriptors.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { evaluate, type Evaluation } from '../metrics/evaluate.js';
import type { AnyMetricDescriptor } from '../metrics/descriptor.js';
import { getMetric, listMetrics, metricOptions } from '../metrics/registry.js';
import type { OptionSchema, OptionSpec } from '../methods/descriptor.js';
import { flagName, parseOptionText } from '../methods/options.js';
import { readNpy } from '../io/npy.js';
import type { Model } from '../engine/model.js';
import { BadInputError, UsageError } from './errors.js';
import { inputSpatial, mapKindOf } from './maps.js';
import type { FlagValues, RunOutcome } from './plan.js';
import { baselineFor, type Session } from './session.js';

/** The flag (without dashes) of a metric's option: '<metric>-<option>'. */
export function metricFlag(d: AnyMetricDescriptor, key: string, spec: OptionSpec): string {
  return `${d.name}-${flagName(key, spec)}`;
}

/** Every metric option flag with its metric, key and spec. */
export function metricFlags(): Map<string, { metric: AnyMetricDescriptor; key: string; spec: OptionSpec }> {
  const out = new Map<string, { metric: AnyMetricDescriptor; key: string; spec: OptionSpec }>();
  for (const d of listMetrics()) for (const [key, spec] of Object.entries(d.options as OptionSchema)) out.set(metricFlag(d, key, spec), { metric: d, key, spec });
  return out;
}

/**
 * Metric options from flag values (by flag name, '--deletion-steps' -> 'deletion-steps')
 * into evaluate()'s `metricOptions` (by metric name), parsed and checked; a flag of a
 * metric not asked for is a usage error.
 */
export function metricOptionsFromFlags(metrics: readonly AnyMetricDescriptor[], flags: FlagValues): Record<string, Record<string, unknown>> {
  const all = metricFlags();
  const out: Record<string, Record<string, unknown>> = {};
  for (const [flag, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    const use = all.get(flag);
    if (!use) throw new UsageError(`--${flag} is not a metric option ('saliency methods' lists each metric's options; their flags are --<metric>-<option>)`);
    if (!metrics.includes(use.metric)) throw new UsageError(`--${flag} is an option of metric '${use.metric.name}', which is not among --metrics ${metrics.map((d) => d.name).join(',')}`);
    const value = typeof v === 'string' ? parseOptionText(use.key, use.spec, v, use.metric.name) : v;
    (out[use.metric.name] ??= {})[use.key] = value;
  }
  for (const d of metrics) metricOptions(d, out[d.name] ?? {}); // range checks, as a usage error
  return out;
}

/** Examples the metrics will send through the model (the progress bar's total). */
export function metricsCost(metrics: readonly AnyMetricDescriptor[], options: Record<string, Record<string, unknown>>, runs: number, n: number, inputShape: readonly number[]): number {
  let total = 0;
  for (const d of metrics) total += runs * d.cost(n, metricOptions(d, options[d.name] ?? {}), inputShape);
  return total;
}

/** Ground-truth masks, one [H, W] map per input (1 inside): a .npy [n, H, W] / [H, W], an image, or a directory of images named like the inputs. */
export async function readMasks(spec: string, names: readonly string[], inputShape: readonly number[]): Promise<Float32Array> {
  const hw = inputSpatial(inputShape);
  if (!hw) throw new UsageError(`--mask needs an image model; the input [${inputShape.join(', ')}] has no spatial size`);
  const [H, W] = hw;
  const n = names.length;
  if (!existsSync(spec)) throw new BadInputError(`cannot read --mask ${spec}: no such file or directory`);
  const out = new Float32Array(n * H * W);
  if (statSync(spec).isDirectory()) {
    const files = readdirSync(spec);
    for (const [e, name] of names.entries()) {
      const file = files.find((f) => basename(f, extname(f)) === name || basename(f, extname(f)) === `${name}.mask`);
      if (!file) throw new BadInputError(`--mask ${spec}: no mask for input '${name}' (expected ${name}.png or ${name}.mask.png, any image format)`);
      out.set(await maskImage(join(spec, file), H, W), e * H * W);
    }
    return out;
  }
  if (extname(spec).toLowerCase() === '.npy') {
    const a = readNpy(spec);
    const data = Float32Array.from(a.data as ArrayLike<number>, Number);
    if (data.length === H * W) for (let e = 0; e < n; e++) out.set(data, e * H * W);
    else if (data.length === n * H * W) out.set(data);
    else throw new BadInputError(`--mask ${spec} has shape [${a.shape.join(', ')}]; expected [${n}, ${H}, ${W}] or [${H}, ${W}]`);
    for (let i = 0; i < out.length; i++) out[i] = out[i] > 0 ? 1 : 0;
    return out;
  }
  const one = await maskImage(spec, H, W);
  for (let e = 0; e < n; e++) out.set(one, e * H * W);
  return out;
}

async function maskImage(file: string, H: number, W: number): Promise<Float32Array> {
  try {
    const { data } = await sharp(file).greyscale().resize({ width: W, height: H, fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
    return Float32Array.from(data, (v) => (v > 127 ? 1 : 0));
  } catch (e) {
    throw new BadInputError(`cannot read mask ${file}: ${(e as Error).message}`);
  }
}

export interface EvaluationPlan {
  metrics: AnyMetricDescriptor[];
  /** By metric name, as evaluate() takes them. */
  metricOptions: Record<string, Record<string, unknown>>;
  groundTruth?: Float32Array;
  seed: number;
  batchSize?: number;
}

export interface EvaluatedRuns {
  evaluation: Evaluation;
  /** Runs left out, with the reason (maps not at the input's resolution). */
  skipped: Array<{ run: string; reason: string }>;
}

/** Score the session's runs with the plan's metrics. */
export async function evaluateRuns(session: Session, outcomes: readonly RunOutcome[], plan: EvaluationPlan): Promise<EvaluatedRuns> {
  const n = session.names.length;
  const inputShape = session.opened.model.inputShape;
  const attributions: Record<string, Float32Array> = {};
  const explain: Record<string, (m: Model, x: Float32Array, t: unknown) => Promise<Float32Array>> = {};
  const skipped: EvaluatedRuns['skipped'] = [];
  for (const o of outcomes) {
    const kind = mapKindOf(o.attribution, n, inputShape);
    if (kind.resolution !== 'input') {
      skipped.push({ run: o.plan.id, reason: `${kind.note}; the metrics perturb input pixels and need a map at the input's resolution` });
      continue;
    }
    attributions[o.plan.id] = o.attribution.values;
    const built = o.plan.baseline ? await baselineFor(session, o.plan.baseline, plan.seed) : undefined;
    explain[o.plan.id] = async (m, x, target) =>
      (await o.plan.descriptor.run(m, x, o.plan.options, { target: target as number[], baseline: built?.baseline, preprocessing: session.space, seed: plan.seed, batchSize: plan.batchSize })).values;
  }
  if (Object.keys(attributions).length === 0) throw new UsageError(`nothing to evaluate: ${skipped.map((s) => `${s.run}: ${s.reason}`).join('; ')}`);
  const evaluation = await evaluate(session.model, session.batch, attributions, plan.metrics.map((d) => d.name), {
    target: session.classes,
    preprocessing: session.space,
    seed: plan.seed,
    batchSize: plan.batchSize,
    groundTruth: plan.groundTruth,
    explain,
    metricOptions: plan.metricOptions,
    onRun: (method, metric) => session.progress.setLabel(`${method} · ${metric}`),
  });
  return { evaluation, skipped };
}

/** Metric names (comma lists) -> descriptors, checking what each needs. */
export function parseMetrics(names: readonly string[], hasMask: boolean): AnyMetricDescriptor[] {
  const ds = [...new Set(names.map(getMetric))];
  if (ds.length === 0) throw new UsageError("no metrics: give --metrics deletion,insertion,... ('saliency methods' lists them)");
  const needMask = ds.filter((d) => d.needs.groundTruth);
  if (needMask.length && !hasMask) throw new UsageError(`${needMask.map((d) => d.name).join(', ')} need${needMask.length > 1 ? '' : 's'} ground-truth masks: give --mask FILE|DIR`);
  return ds;
}
