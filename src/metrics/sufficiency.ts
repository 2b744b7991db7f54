/**
 * Sufficiency (Dasgupta, Frost & Moshkovitz 2022), as Quantus Sufficiency: inputs whose
 * explanations are close should get the same prediction. Explanations (absolute,
 * normalised maps) are compared by the standardised Euclidean distance (each pixel divided
 * by its variance over the inputs, as scipy's 'seuclidean'; pixels with no variance are
 * left out), distances divided by the largest one; for input i, among the other inputs
 * within `threshold`, the fraction predicted as the same class (0 when none is close).
 * A set-level metric: the scores depend on which inputs are evaluated together. Higher is
 * better.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, mapOf, prepare, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { mapOptions, preparedMap } from './mapMetric.js';
import { predictedClasses } from './target.js';

export const SUFFICIENCY_OPTIONS = {
  threshold: { kind: 'number' as const, default: 0.6, min: 0, description: 'largest normalised distance at which two explanations count as close' },
  ...mapOptions(true),
};

export type SufficiencyOptions = Partial<OptionValues<typeof SUFFICIENCY_OPTIONS>> & MetricCall;

/** Pairwise standardised Euclidean distances of n vectors of length d (row-major n x n). */
export function seuclidean(rows: Float64Array[]): Float64Array {
  const n = rows.length, d = rows[0]?.length ?? 0;
  const inv = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let m = 0;
    for (const r of rows) m += r[k] / n;
    let v = 0;
    for (const r of rows) v += (r[k] - m) ** 2;
    v /= n - 1;
    inv[k] = v > 0 ? 1 / v : 0;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (rows[i][k] - rows[j][k]) ** 2 * inv[k];
    out[i * n + j] = out[j * n + i] = Math.sqrt(s);
  }
  return out;
}

export async function sufficiency(model: Model, input: Float32Array, attribution: Float32Array, options: SufficiencyOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(SUFFICIENCY_OPTIONS), ...definedOnly(options) } as OptionValues<typeof SUFFICIENCY_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  if (p.n < 2) throw new Error('sufficiency compares inputs with each other: evaluate at least 2 inputs');
  const maps = Array.from({ length: p.n }, (_, e) => preparedMap(mapOf(p, e), o));
  const dist = seuclidean(maps);
  const max = dist.reduce((a, b) => Math.max(a, b), 0);
  const classes = await predictedClasses(model, input, p.batch);
  const scores = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) {
    let close = 0, same = 0;
    for (let j = 0; j < p.n; j++) {
      if (j === i || !((max > 0 ? dist[i * p.n + j] / max : 0) <= o.threshold)) continue;
      close++;
      if (classes[i] === classes[j]) same++;
    }
    scores[i] = close ? same / close : 0;
  }
  return { metric: 'sufficiency', scores, details: { predictedClasses: Array.from(classes) } };
}

export const descriptor = defineMetric({
  name: 'sufficiency',
  aliases: [],
  title: 'Sufficiency',
  family: 'faithfulness',
  summary: 'Whether inputs with close explanations get the same prediction (Dasgupta et al. 2022)',
  higherIsBetter: true,
  needs: {},
  options: SUFFICIENCY_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, attribution, options, context) => sufficiency(model, input, attribution, { ...options, ...callOf(context) }),
  order: 50,
});
