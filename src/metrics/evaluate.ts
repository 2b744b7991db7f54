/**
 * evaluate(): several metrics over several attributions of the same inputs, as plain data:
 * a table of methods x metrics with the spread of the per-input scores, and every metric's
 * result (curves included) for plots. The library twin of `saliency evaluate`.
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import type { Baseline } from '../baselines/baseline.js';
import type { Preprocessing } from '../engine/space.js';
import type { Attribution, TargetSpec } from '../methods/attribution.js';
import { getMetric } from './registry.js';
import type { OptionSchema, OptionValues } from '../methods/descriptor.js';
import type { AnyMetricDescriptor, MetricContext, MetricResult } from './descriptor.js';

export type Explain = NonNullable<MetricContext['explain']>;

export interface EvaluateOptions {
  target: TargetSpec;
  preprocessing?: Preprocessing;
  baseline?: Baseline;
  seed?: number;
  batchSize?: number;
  /** Ground-truth masks (localisation), one spatial map per input. */
  groundTruth?: Float32Array;
  /** Per method, how to explain other inputs (robustness metrics). */
  explain?: Record<string, Explain>;
  /** Per metric (any of its names), options overriding the descriptor's defaults. */
  metricOptions?: Record<string, Record<string, unknown>>;
  /** Called before each (method, metric) run. */
  onRun?: (method: string, metric: string, index: number, total: number) => void;
  /** Progress of the current run's model evaluations. */
  progress?: (method: string, metric: string, done: number, total: number) => void;
}

export interface Spread {
  mean: number;
  sd: number;
  median: number;
  min: number;
  max: number;
  /** Inputs with a finite score (NaN scores, e.g. an empty mask, are left out). */
  count: number;
}

export interface EvaluationRow extends Spread {
  method: string;
  metric: string;
  higherIsBetter?: boolean;
  scores: number[];
}

export interface Evaluation {
  methods: string[];
  metrics: string[];
  inputs: number;
  rows: EvaluationRow[];
  /** results[method][metric]: the metric's full result (curves, details). */
  results: Record<string, Record<string, MetricResult>>;
}

const canonical = (name: string) => name.toLowerCase().replace(/[-_\s]/g, '');

/** The descriptor's defaults overridden by the given options (unknown keys are an error). */
export function metricOptionValues(d: AnyMetricDescriptor, given: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(d.options as OptionSchema)) out[k] = spec.default;
  for (const [k, v] of Object.entries(given)) {
    if (!(k in d.options)) throw new Error(`metric '${d.name}' has no option '${k}' (options: ${Object.keys(d.options).join(', ') || 'none'})`);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function spread(scores: ArrayLike<number>): Spread {
  const v = Array.from(scores).filter(Number.isFinite).sort((a, b) => a - b);
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, median: NaN, min: NaN, max: NaN, count: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const median = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return { mean, sd, median, min: v[0], max: v[n - 1], count: n };
}

/**
 * Run `metricNames` on each attribution (method name -> values shaped like the input or
 * one spatial map per input, or an Attribution). Metrics run one after another; each
 * streams its perturbed inputs through the model in batches.
 */
export async function evaluate(
  model: Model,
  input: Float32Array,
  attributions: Record<string, Float32Array | Attribution>,
  metricNames: readonly string[],
  options: EvaluateOptions,
): Promise<Evaluation> {
  const n = countExamples(input, model.inputShape);
  const metrics = metricNames.map(getMetric);
  const methods = Object.keys(attributions);
  const perMetric = new Map(metrics.map((d) => [d.name, metricOptionValues(d, findOptions(d, options.metricOptions))]));
  for (const d of metrics) {
    if (d.needs.groundTruth && !options.groundTruth) throw new Error(`metric '${d.name}' needs ground-truth masks: pass groundTruth (--mask FILE|DIR)`);
    if (d.needs.explain) for (const m of methods) if (!options.explain?.[m]) throw new Error(`metric '${d.name}' re-explains inputs (perturbed, or for other labels): pass explain['${m}'] (how method '${m}' explains an input)`);
  }
  const rows: EvaluationRow[] = [];
  const results: Evaluation['results'] = {};
  const total = methods.length * metrics.length;
  let index = 0;
  for (const method of methods) {
    const a = attributions[method];
    const values = a instanceof Float32Array ? a : a.values;
    results[method] = {};
    for (const d of metrics) {
      options.onRun?.(method, d.name, index++, total);
      const context: MetricContext = {
        target: options.target,
        preprocessing: options.preprocessing,
        baseline: options.baseline,
        seed: options.seed ?? 0,
        batchSize: options.batchSize,
        groundTruth: options.groundTruth,
        explain: options.explain?.[method],
        progress: options.progress && ((done, all) => options.progress!(method, d.name, done, all)),
      };
      const r = await d.run(model, input, values, perMetric.get(d.name)! as OptionValues<OptionSchema>, context);
      if (r.scores.length !== n) throw new Error(`metric '${d.name}' returned ${r.scores.length} scores for ${n} inputs`);
      results[method][d.name] = r;
      rows.push({ method, metric: d.name, higherIsBetter: d.higherIsBetter, scores: Array.from(r.scores), ...spread(r.scores) });
    }
  }
  return { methods, metrics: metrics.map((d) => d.name), inputs: n, rows, results };
}

function findOptions(d: AnyMetricDescriptor, all?: Record<string, Record<string, unknown>>): Record<string, unknown> | undefined {
  if (!all) return undefined;
  const names = [d.name, ...d.aliases].map(canonical);
  const hits = Object.entries(all).filter(([k]) => names.includes(canonical(k)));
  return hits.length ? Object.assign({}, ...hits.map(([, v]) => v)) : undefined;
}

/** The evaluation as a plain-text table (methods x metrics, mean ± sd over inputs). */
export function formatEvaluation(e: Evaluation, digits = 4): string {
  const cell = (m: string, k: string) => {
    const r = e.rows.find((x) => x.method === m && x.metric === k)!;
    return `${r.mean.toPrecision(digits)} ± ${r.sd.toPrecision(2)}`;
  };
  const head = ['method', ...e.metrics.map((k) => {
    const hib = e.rows.find((r) => r.metric === k)?.higherIsBetter;
    return hib === undefined ? k : `${k} ${hib ? '↑' : '↓'}`;
  })];
  const body = e.methods.map((m) => [m, ...e.metrics.map((k) => cell(m, k))]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c])).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
