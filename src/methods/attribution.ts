/**
 * The result every attribution method returns, and the options they share.
 */
import type { Model, Target } from '../engine/model.js';
import { encodeNpy } from '../io/npy.js';

/** A class index for all inputs, one class per input, or any Target (a probability, a region sum ...). */
export type TargetSpec = number | readonly number[] | Target;

export interface Timings {
  /** Wall time of the whole method. */
  totalMs: number;
  /** Time inside model.run. */
  modelMs: number;
  /** Number of model.run calls. */
  modelCalls: number;
  /** Examples the model evaluated (forward only) and differentiated (forward + backward). */
  forwardExamples: number;
  backwardExamples: number;
}

export interface Attribution {
  /** Same shape as the input: [n, ...inputShape]. */
  values: Float32Array;
  shape: number[];
  /** e.g. 'integratedGradients', 'smoothGrad(integratedGradients)'. */
  method: string;
  /** The options that determined the values (JSON-able). */
  params: Record<string, unknown>;
  /** The target's label, e.g. 'logit 3'. */
  target: string;
  /** Completeness delta per input, sum(phi) - (f(x) - f(x')), where defined. */
  delta?: Float32Array;
  timings: Timings;
}

/** Options every method takes. */
export interface CommonOptions {
  /** What is explained. Default: the logit of each input's top class (or the only output). */
  target?: TargetSpec;
  /** Examples per model call (interpolated inputs, noisy copies ...). Default: the model's batchSize, else 16. */
  batchSize?: number;
}

/** A method: (model, inputs, options) -> Attribution. Wrappers (smoothGrad, averageOverBaselines) take one. */
export type Method<O extends CommonOptions = CommonOptions> = (model: Model, input: Float32Array, options?: O) => Promise<Attribution>;

/** JSON-able description of an attribution: everything but the values (typed arrays become arrays). */
export function attributionMeta(a: Attribution): Record<string, unknown> {
  const plain = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return Array.from(v as Float32Array);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
  };
  const { values: _values, ...rest } = a;
  return plain(rest) as Record<string, unknown>;
}

/** The attribution as `{ json, npy }`: metadata text and the values as a .npy file. */
export function encodeAttribution(a: Attribution): { json: string; npy: Uint8Array } {
  return {
    json: JSON.stringify(attributionMeta(a), null, 2),
    npy: encodeNpy({ shape: a.shape, data: a.values }),
  };
}

/** Sum of each example's values (double precision). */
export function sumPerExample(values: ArrayLike<number>, n: number): Float64Array {
  const per = values.length / n;
  const out = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    let s = 0;
    for (let i = e * per; i < (e + 1) * per; i++) s += values[i];
    out[e] = s;
  }
  return out;
}
