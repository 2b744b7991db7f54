/**
 * What an evaluation metric or trust test says about itself: the same shape as a method
 * descriptor (src/methods/descriptor.ts), so `saliency methods`, `saliency evaluate`, the
 * report and the progress bars are generated from it. One file per metric exports a
 * descriptor; `catalog.ts` lists them, one line each.
 */
import type { Model } from '../engine/model.js';
import type { Baseline } from '../baselines/baseline.js';
import type { Preprocessing } from '../engine/space.js';
import type { TargetSpec } from '../methods/attribution.js';
import type { OptionSchema, OptionValues } from '../methods/descriptor.js';

export type MetricFamily = 'faithfulness' | 'robustness' | 'complexity' | 'localisation' | 'axiomatic' | 'sanity';

export const METRIC_FAMILY_ORDER: readonly MetricFamily[] = ['faithfulness', 'robustness', 'complexity', 'localisation', 'axiomatic', 'sanity'];

export interface MetricNeeds {
  /** Ground-truth masks (localisation metrics): `--mask FILE|DIR`. */
  groundTruth?: boolean;
  /** Re-explains perturbed inputs (robustness metrics): the context's `explain` is required. */
  explain?: boolean;
  /** Gradients of the model (most metrics only need forward passes). */
  gradients?: boolean;
}

export interface MetricContext {
  /** The target that was explained (a class per input, or any Target). */
  target: TargetSpec;
  /** Pixel <-> model space (blur and mean imputation are defined in pixels). */
  preprocessing?: Preprocessing;
  /** A baseline / substrate where the metric takes one. */
  baseline?: Baseline;
  seed: number;
  batchSize?: number;
  /** Ground-truth masks, one per input, shaped like one input's spatial map (1 inside). */
  groundTruth?: Float32Array;
  /** The method being evaluated, applied to other inputs (robustness): same target semantics. */
  explain?: (model: Model, input: Float32Array, target: TargetSpec) => Promise<Float32Array>;
  /** Progress of the metric's model evaluations (done, total), for progress bars. */
  progress?: (done: number, total: number) => void;
}

export interface MetricCurve {
  /** What the x axis is: 'fraction of features removed'. */
  xLabel: string;
  yLabel: string;
  x: number[];
  /** One curve per input. */
  y: number[][];
  /** A control curve per input (random ranking), where the metric draws one. */
  control?: number[][];
}

export interface MetricResult {
  metric: string;
  /** One score per input. */
  scores: Float64Array;
  /** Curves behind the scores, for plots. */
  curves?: MetricCurve;
  /** Anything else worth keeping (JSON-able). */
  details?: Record<string, unknown>;
}

export interface MetricDescriptor<S extends OptionSchema = OptionSchema> {
  /** CLI name: lowercase, e.g. 'deletion', 'pixel-flipping'. */
  name: string;
  aliases: readonly string[];
  title: string;
  family: MetricFamily;
  summary: string;
  /** Whether a higher score means a better explanation (undefined: neither, e.g. a curve). */
  higherIsBetter?: boolean;
  needs: MetricNeeds;
  options: S;
  random: boolean | ((options: OptionValues<S>) => boolean);
  /** Examples through the model for n inputs. */
  cost(n: number, options: OptionValues<S>, inputShape: readonly number[]): number;
  /** Score attributions (n inputs, each shaped like the input or like its spatial map). */
  run(model: Model, input: Float32Array, attribution: Float32Array, options: OptionValues<S>, context: MetricContext): Promise<MetricResult>;
  order?: number;
}

export type AnyMetricDescriptor = MetricDescriptor<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineMetric<S extends OptionSchema>(d: MetricDescriptor<S>): MetricDescriptor<S> {
  return d;
}
