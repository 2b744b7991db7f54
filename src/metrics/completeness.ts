/**
 * Completeness (Gupta & Arora 2022): the map's certificate suffices for the explained
 * label: keep the `fraction` most relevant pixels, replace the rest by the substrate, and
 * read the label's probability (or whether it is still predicted) on the masked input.
 * Higher is better. The usual "keep the top k" evaluation; soundness (soundness.ts) is the
 * half it misses.
 */
import type { Model } from '../engine/model.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, mapOf, prepare, type MetricCall } from './common.js';
import { CERTIFICATE_OPTIONS, explainedClasses, keepTop, keptCount, labelScore, perExample } from './certificate.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { makeSubstrate, type SubstrateName } from './substrate.js';
import { streamTargetValues } from './target.js';

export const COMPLETENESS_OPTIONS = CERTIFICATE_OPTIONS;
export type CertificateOptions = Partial<OptionValues<typeof CERTIFICATE_OPTIONS>> & MetricCall;

export async function completeness(model: Model, input: Float32Array, attribution: Float32Array, options: CertificateOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(CERTIFICATE_OPTIONS), ...definedOnly(options) } as OptionValues<typeof CERTIFICATE_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const classes = explainedClasses(options.target, p.n, 'completeness');
  const per = perExample(model);
  const substrate = makeSubstrate(o.substrate as SubstrateName, p.g, { sigma: o.sigma, seed: options.seed });
  if (!substrate.replacement) throw new Error(`completeness keeps pixels of the input: substrate '${o.substrate}' imputes instead; use zero, black, mean or blur`);
  const k = keptCount(o.fraction, p.g.positions);
  const score = labelScore(o.output as 'probability' | 'accuracy', (e) => classes[e]);
  const scores = await streamTargetValues(model, score, p.n, p.batch, (e) => e, (e, dest) => {
    const x = input.subarray(e * per, (e + 1) * per);
    keepTop(dest, x, substrate.replacement!(x, e), mapOf(p, e), k, p.g);
  }, options.progress);
  return { metric: 'completeness', scores, details: { keptPixels: k } };
}

export const descriptor = defineMetric({
  name: 'completeness',
  aliases: ['certificate-completeness'],
  title: 'Completeness',
  family: 'faithfulness',
  summary: "The explained label's probability when only the map's top pixels are kept (Gupta & Arora 2022)",
  higherIsBetter: true,
  needs: {},
  options: COMPLETENESS_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, attribution, options, context) => completeness(model, input, attribution, { ...options, ...callOf(context) }),
  order: 60,
});
