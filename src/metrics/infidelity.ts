/**
 * Infidelity (Yeh et al. 2019), Captum's definition: E_I[(sum(a * I') - (f(x) - f(x - I)))^2]
 * over `samples` perturbations I ~ N(0, noise^2) per element, with I' = I / (x - baseline)
 * (zero divisors taken as 1) when the attribution multiplies by the input (IG,
 * Input x Gradient: Captum's infidelity_perturb_func_decorator(multiply_by_inputs=True)),
 * else I' = I. `normalize` rescales the attribution by the optimal beta first (Captum's
 * normalize). A spatial-map attribution is broadcast over channels. Lower is better.
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { drawBaselines } from '../baselines/baseline.js';
import { rngFor } from '../random.js';
import type { OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, prepare, type MetricCall } from './common.js';
import { defineMetric, type MetricResult } from './descriptor.js';
import { metricTarget, streamTargetValues, targetValues } from './target.js';

export const INFIDELITY_OPTIONS = {
  samples: { kind: 'integer' as const, default: 10, min: 1, description: 'perturbations per input' },
  noise: { kind: 'number' as const, default: 0.1, min: 0, exclusiveMin: true, description: 'standard deviation of the Gaussian perturbation (model-space units)' },
  multiplyByInputs: { kind: 'boolean' as const, default: true, description: 'the attribution multiplies by (input - baseline), as IG and Input x Gradient do' },
  normalize: { kind: 'boolean' as const, default: false, description: "rescale the attribution by the optimal beta (Captum's normalize)" },
};

export type InfidelityOptions = Partial<OptionValues<typeof INFIDELITY_OPTIONS>> & MetricCall & {
  /** Test hook: the perturbation I of sample s of input e (x' = x - I). */
  perturbation?: (e: number, s: number) => Float32Array;
};

export async function infidelity(model: Model, input: Float32Array, attribution: Float32Array, options: InfidelityOptions): Promise<MetricResult> {
  const o = { ...defaultsOf(INFIDELITY_OPTIONS), ...definedOnly(options) } as OptionValues<typeof INFIDELITY_OPTIONS>;
  const p = prepare(model, input, attribution, options);
  const per = sizeOfShape(model.inputShape);
  const S = o.samples;
  const target = metricTarget(model, options.target, 'logit');
  const f0 = await targetValues(model, input, target, p.batch);
  const spatial = attribution.length === p.n * p.g.positions;
  const attrAt = (e: number, j: number) => (spatial ? attribution[e * p.g.positions + (p.g.space.layout === 'NCHW' ? j % p.g.positions : Math.floor(j / p.g.channels))] : attribution[e * per + j]);
  const baseline = options.baseline ?? 0;
  let cached = -1;
  let base: Float32Array = new Float32Array(0);
  const dots = new Float64Array(p.n * S);
  const values = await streamTargetValues(model, target, p.n * S, p.batch, (i) => Math.floor(i / S), (i, dest) => {
    const e = Math.floor(i / S), s = i % S;
    const x = input.subarray(e * per, (e + 1) * per);
    let I = options.perturbation?.(e, s);
    if (!I) {
      const rng = rngFor(options.seed ?? 0, e, s);
      I = new Float32Array(per);
      for (let j = 0; j < per; j++) I[j] = rng.normal() * o.noise;
    }
    if (o.multiplyByInputs && cached !== e) (base = drawBaselines(baseline, x, per, (k) => rngFor(options.seed ?? 0, 7, e + k))), (cached = e);
    let dot = 0;
    for (let j = 0; j < per; j++) {
      dest[j] = x[j] - I[j];
      const d = o.multiplyByInputs ? x[j] - base[j] : 1;
      dot += attrAt(e, j) * (I[j] / (d === 0 ? 1 : d));
    }
    dots[i] = dot;
  }, options.progress);
  const scores = new Float64Array(p.n);
  for (let e = 0; e < p.n; e++) {
    let aa = 0, ad = 0, dd = 0;
    for (let s = 0; s < S; s++) {
      const a = dots[e * S + s], d = f0[e] - values[e * S + s];
      aa += a * a;
      ad += a * d;
      dd += d * d;
    }
    if (o.normalize) {
      const beta = ad / (aa || 1);
      scores[e] = (beta * beta * aa - 2 * beta * ad + dd) / S;
    } else scores[e] = (aa - 2 * ad + dd) / S;
  }
  return { metric: 'infidelity', scores };
}

export const descriptor = defineMetric({
  name: 'infidelity',
  aliases: [],
  title: 'Infidelity',
  family: 'faithfulness',
  summary: "Expected squared error between the attribution's prediction of an output change and the change under Gaussian perturbations (Yeh et al. 2019; Captum)",
  higherIsBetter: false,
  needs: {},
  options: INFIDELITY_OPTIONS,
  random: true,
  cost: (n, o) => n * (o.samples + 1),
  run: (model, input, attribution, options, context) => infidelity(model, input, attribution, { ...options, ...callOf(context) }),
  order: 41,
});
