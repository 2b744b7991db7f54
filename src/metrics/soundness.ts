/**
 * Soundness (Gupta & Arora 2022): a method is sound when it cannot certify a label the
 * model did not assign. For each input, the method explains the `labels` highest-scoring
 * other classes; each map's certificate (its `fraction` most relevant pixels kept, the
 * rest the substrate) is scored for its own label; the score is 1 minus the mean of those
 * scores: 1 when no wrong-label certificate convinces the model, 0 when every one does.
 * Higher is better. Needs the method (the context's `explain`), applied to the inputs with
 * the wrong labels as targets, a batch at a time.
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, prepare, type MetricCall } from './common.js';
import { CERTIFICATE_OPTIONS, explainedClasses, keepTop, keptCount, labelScore, perExample } from './certificate.js';
import { defineMetric, type MetricContext, type MetricResult } from './descriptor.js';
import { attributionMaps } from './features.js';
import { makeSubstrate, type SubstrateName } from './substrate.js';

export const SOUNDNESS_OPTIONS = {
  ...CERTIFICATE_OPTIONS,
  labels: { kind: 'integer' as const, default: 3, min: 1, description: 'wrong labels tried per input: the highest-scoring classes other than the explained one' },
};

export type SoundnessOptions = Partial<OptionValues<typeof SOUNDNESS_OPTIONS>> & MetricCall & { explain?: MetricContext['explain'] };

/** The k highest-scoring classes of one output other than `c`. */
export function runnersUp(out: Float32Array, c: number, k: number): number[] {
  return Array.from(out.keys()).filter((j) => j !== c).sort((a, b) => out[b] - out[a] || a - b).slice(0, k);
}

export async function soundness(model: Model, input: Float32Array, attribution: Float32Array, options: SoundnessOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(SOUNDNESS_OPTIONS), ...definedOnly(options) } as OptionValues<typeof SOUNDNESS_OPTIONS>;
  if (!options.explain) throw new Error('soundness explains wrong labels: pass the method as `explain` (the context explain callback)');
  const p = prepare(model, input, attribution, options);
  const classes = explainedClasses(options.target, p.n, 'soundness');
  const per = perExample(model), outSize = sizeOfShape(model.outputShape);
  if (outSize < 2) throw new Error('soundness needs a model with at least two classes');
  const K = Math.min(o.labels, outSize - 1);
  const substrate = makeSubstrate(o.substrate as SubstrateName, p.g, { sigma: o.sigma, seed: options.seed });
  if (!substrate.replacement) throw new Error(`soundness keeps pixels of the input: substrate '${o.substrate}' imputes instead; use zero, black, mean or blur`);
  const k = keptCount(o.fraction, p.g.positions);
  // the wrong labels: each input's runners-up
  const labels: number[][] = [];
  for (let s = 0; s < p.n; s += p.batch) {
    const m = Math.min(p.batch, p.n - s);
    const logits = (await model.run(input.subarray(s * per, (s + m) * per), { outputs: ['logits'] }))['logits'];
    for (let i = 0; i < m; i++) labels.push(runnersUp(logits.subarray(i * outSize, (i + 1) * outSize), classes[s + i], K));
  }
  const total = p.n * K;
  const perLabel = Array.from({ length: p.n }, () => new Float64Array(K));
  const buffer = new Float32Array(Math.min(p.batch, total) * per);
  for (let start = 0; start < total; start += p.batch) {
    const m = Math.min(p.batch, total - start);
    const points = buffer.subarray(0, m * per);
    const pointLabel = (i: number) => labels[Math.floor((start + i) / K)][(start + i) % K];
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / K);
      points.set(input.subarray(e * per, (e + 1) * per), i * per);
    }
    const maps = attributionMaps(await options.explain(model, points, Array.from({ length: m }, (_, i) => pointLabel(i))), m, p.g);
    for (let i = 0; i < m; i++) {
      const e = Math.floor((start + i) / K);
      const x = input.subarray(e * per, (e + 1) * per);
      keepTop(points.subarray(i * per, (i + 1) * per), x, substrate.replacement(x, e), maps.subarray(i * p.g.positions, (i + 1) * p.g.positions), k, p.g);
    }
    const logits = (await model.run(points, { outputs: ['logits'] }))['logits'];
    const score = labelScore(o.output as 'probability' | 'accuracy', pointLabel);
    for (let i = 0; i < m; i++) perLabel[Math.floor((start + i) / K)][(start + i) % K] = score.value(logits.subarray(i * outSize, (i + 1) * outSize), i);
    options.progress?.(start + m, total);
  }
  const scores = Float64Array.from(perLabel, (v) => 1 - v.reduce((a, b) => a + b, 0) / K);
  return { metric: 'soundness', scores, details: { keptPixels: k, wrongLabels: labels, wrongLabelScores: perLabel.map((v) => Array.from(v)) } };
}

export const descriptor = defineMetric({
  name: 'soundness',
  aliases: ['certificate-soundness'],
  title: 'Soundness',
  family: 'faithfulness',
  summary: "1 minus how well the method's maps for wrong labels certify those labels when only their top pixels are kept (Gupta & Arora 2022)",
  higherIsBetter: true,
  needs: { explain: true },
  options: SOUNDNESS_OPTIONS,
  random: false,
  cost: (n, o) => n * (1 + 2 * o.labels),
  run: (model, input, attribution, options, context) => soundness(model, input, attribution, { ...options, ...callOf(context), explain: context.explain }),
  order: 61,
});
