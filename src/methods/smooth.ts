/**
 * SmoothGrad (Smilkov et al.), SmoothGrad-squared and VarGrad (Adebayo et al.) as a
 * wrapper over any method (Captum's NoiseTunnel idea): the method runs on k noisy
 * copies x + N(0, sigma^2) of each input and the maps are aggregated:
 *   smoothgrad:    mean of the maps
 *   smoothgrad_sq: mean of the squared maps
 *   vargrad:       variance of the maps (mean of squares - square of mean)
 * sigma is a fraction of the input's own value range (max - min, as the SmoothGrad
 * paper and PAIR saliency define the noise level), or of the valid range with
 * relativeTo: 'valid'; `stdev` gives an absolute standard deviation (Captum's stdevs).
 * The noise of input e comes from its own seeded stream. The wrapped method's
 * completeness delta is skipped (delta: false) unless methodOptions ask for it; with
 * it, the mean |delta| of the noisy copies is reported in params.innerMeanAbsDelta.
 * Also the article's SmoothGrad x input: x * SmoothGrad(gradient)(x).
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import { rngFor } from '../random.js';
import { inputSpace, type Preprocessing } from '../engine/space.js';
import type { Attribution, CommonOptions, Method } from './attribution.js';
import { gradient } from './gradient.js';
import { Runner } from './runner.js';
import { runVariants } from './variants.js';
import { defineMethod } from './descriptor.js';

export type SmoothKind = 'smoothgrad' | 'smoothgrad_sq' | 'vargrad';

export interface SmoothOptions<O extends CommonOptions = CommonOptions> extends CommonOptions {
  /** The wrapped method (default: gradient) and its options. */
  method?: Method<O>;
  methodOptions?: Omit<O, 'target' | 'batchSize'>;
  /** Noisy copies per input. Default 25. */
  samples?: number;
  /** Noise level as a fraction of the range. Default 0.15. */
  sigma?: number;
  /** 'input': each input's max - min (default); 'valid': the valid range (from preprocessing / the model). */
  relativeTo?: 'input' | 'valid';
  preprocessing?: Preprocessing;
  /** Absolute noise standard deviation (overrides sigma). */
  stdev?: number;
  kind?: SmoothKind;
  seed?: number;
  /** Noisy copies per inner call. Default: the batch size. */
  group?: number;
}

export async function smoothGrad<O extends CommonOptions = CommonOptions>(
  model: Model,
  input: Float32Array,
  options: SmoothOptions<O> = {},
): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const method = (options.method ?? gradient) as Method<O>;
  const defaults = descriptor.options;
  const k = options.samples ?? defaults.samples.default;
  if (!Number.isInteger(k) || k < 1) throw new Error(`samples must be a positive integer, got ${k}`);
  const kind = options.kind ?? (defaults.kind.default as SmoothKind);
  const sigma = options.sigma ?? defaults.sigma.default;
  const seed = options.seed ?? 0;
  const relativeTo = options.relativeTo ?? 'input';

  // noise standard deviation per element of each input
  const sd = new Float32Array(n * per);
  if (options.stdev !== undefined) sd.fill(options.stdev);
  else if (relativeTo === 'valid') {
    const space = inputSpace(model, options.preprocessing);
    if (!space.rangeKnown) throw new Error("relativeTo: 'valid' needs the valid range: pass preprocessing or load the model with inputRange");
    for (let i = 0; i < n * per; i++) sd[i] = sigma * (space.upper[i % per] - space.lower[i % per]);
  } else {
    for (let e = 0; e < n; e++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = e * per; j < (e + 1) * per; j++) {
        lo = Math.min(lo, input[j]);
        hi = Math.max(hi, input[j]);
      }
      sd.fill(sigma * (hi - lo), e * per, (e + 1) * per);
    }
  }

  const rngs = Array.from({ length: n }, (_, e) => rngFor(seed, e));
  const sum = new Float64Array(n * per);
  const sumSq = new Float64Array(n * per);
  let deltaAbs = 0;
  let deltas = 0;
  const inner = await runVariants(
    {
      model,
      n,
      per,
      samples: k,
      group: options.group ?? runner.batch,
      target,
      method,
      // the noisy copies' completeness deltas are not part of the result: skip their forward passes
      options: { delta: false, ...(options.methodOptions ?? {}), batchSize: runner.batch } as unknown as O,
      seed,
      makeInput: (e, _s, dest) => {
        const o = e * per;
        for (let j = 0; j < per; j++) dest[j] = input[o + j] + sd[o + j] * rngs[e].normal();
      },
      consume: (e, _s, values, delta) => {
        const o = e * per;
        for (let j = 0; j < per; j++) {
          sum[o + j] += values[j];
          sumSq[o + j] += values[j] * values[j];
        }
        if (delta !== undefined) {
          deltaAbs += Math.abs(delta);
          deltas++;
        }
      },
    },
    runner.timings,
  );
  const values = new Float32Array(n * per);
  for (let i = 0; i < values.length; i++) {
    const mean = sum[i] / k;
    values[i] = kind === 'smoothgrad' ? mean : kind === 'smoothgrad_sq' ? sumSq[i] / k : Math.max(0, sumSq[i] / k - mean * mean);
  }
  const innerName = inner?.method ?? 'gradient';
  return {
    values,
    shape: [n, ...model.inputShape],
    method: `${kind === 'smoothgrad' ? 'smoothGrad' : kind === 'smoothgrad_sq' ? 'smoothGradSquared' : 'varGrad'}(${innerName})`,
    params: {
      kind,
      samples: k,
      ...(options.stdev !== undefined ? { stdev: options.stdev } : { sigma, relativeTo }),
      seed,
      inner: inner ? { method: inner.method, params: inner.params } : undefined,
      ...(deltas > 0 ? { innerMeanAbsDelta: deltaAbs / deltas } : {}),
      batchSize: runner.batch,
    },
    target: target.label,
    timings: runner.finish(),
  };
}

/** The baselines article's SmoothGrad x input: x * mean_k grad f(x + noise_k). */
export async function smoothGradXInput(model: Model, input: Float32Array, options: Omit<SmoothOptions, 'method' | 'methodOptions' | 'kind'> = {}): Promise<Attribution> {
  const r = await smoothGrad(model, input, { ...options, kind: 'smoothgrad' });
  for (let i = 0; i < r.values.length; i++) r.values[i] *= input[i];
  return { ...r, method: 'smoothGradXInput' };
}

export const descriptor = defineMethod({
  name: 'smoothgrad',
  aliases: ['sg', 'noisetunnel'],
  title: 'SmoothGrad',
  family: 'gradient',
  summary: 'the gradient averaged over noisy copies of the input (Smilkov et al. 2017); also SmoothGrad² and VarGrad',
  needs: { gradients: true },
  options: {
    samples: { kind: 'integer', default: 25, min: 1, max: 100000, description: 'noisy copies per input' },
    sigma: { kind: 'number', default: 0.15, min: 0, exclusiveMin: true, flag: 'noise', description: "noise standard deviation, as a fraction of each input's value range" },
    kind: {
      kind: 'choice',
      choices: ['smoothgrad', 'smoothgrad_sq', 'vargrad'],
      aliases: { sg2: 'smoothgrad_sq', sgsq: 'smoothgrad_sq', smoothgradsquared: 'smoothgrad_sq', var: 'vargrad' },
      default: 'smoothgrad',
      flag: 'smooth-kind',
      description: 'aggregate of the noisy maps: mean (smoothgrad), mean of squares (smoothgrad_sq, alias sg2) or variance (vargrad)',
    },
  },
  random: true,
  cost: (n, o) => n * o.samples,
  run: (model, input, o, c) =>
    smoothGrad(model, input, { target: c.target, batchSize: c.batchSize, seed: c.seed, samples: o.samples, sigma: o.sigma, kind: o.kind as SmoothKind }),
  order: 30,
});
