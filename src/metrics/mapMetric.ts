/**
 * Metrics of the map alone (complexity) or of the map against a ground-truth mask
 * (localisation): no model call. The map is the channel sum (features.ts); `normalise`
 * divides each map by its own largest |value| (Quantus normalises by the largest value of
 * the whole batch, so one image's score depends on the others), then `absolute` takes |a|,
 * in Quantus' order.
 */
import type { Model } from '../engine/model.js';
import type { OptionSchema, OptionValues } from '../methods/descriptor.js';
import { callOf, defaultsOf, definedOnly, mapOf, prepare, type MetricCall } from './common.js';
import { defineMetric, type MetricDescriptor, type MetricFamily, type MetricResult } from './descriptor.js';

export const mapOptions = (absolute: boolean) => ({
  absolute: { kind: 'boolean' as const, default: absolute, description: 'take |a| of the channel-summed map' },
  normalise: { kind: 'boolean' as const, default: true, description: "divide each map by its largest |value| (per input; Quantus' default normalisation)" },
});

type MapOptionsSchema = ReturnType<typeof mapOptions>;

export type MapMetricOptions<S extends OptionSchema> = Partial<OptionValues<S>> & Partial<MetricCall> & {
  /** Ground-truth masks, one per input, shaped like one input's spatial map (non-zero inside). */
  groundTruth?: Float32Array;
};

/** A map prepared as the options say (a new array). */
export function preparedMap(map: Float64Array, o: { absolute: boolean; normalise: boolean }): Float64Array {
  const a = Float64Array.from(map);
  if (o.normalise) {
    let m = 0;
    for (const v of a) m = Math.max(m, Math.abs(v));
    if (m > 0) for (let i = 0; i < a.length; i++) a[i] /= m;
  }
  if (o.absolute) for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i]);
  return a;
}

export type MapScore<S extends OptionSchema> = (map: Float64Array, options: OptionValues<S>, mask?: Uint8Array) => number;

/** The library function of a map metric: (model, input, attribution, options) -> scores. */
export function mapMetricFunction<S extends OptionSchema & MapOptionsSchema>(name: string, schema: S, score: MapScore<S>, needsMask: boolean) {
  return async (model: Model, input: Float32Array, attribution: Float32Array, options: MapMetricOptions<S> = {}): Promise<MetricResult> => {
    const o = { ...defaultsOf(schema), ...definedOnly(options) } as OptionValues<S>;
    const p = prepare(model, input, attribution, { target: 0, ...options });
    const P = p.g.positions;
    if (needsMask && (!options.groundTruth || options.groundTruth.length !== p.n * P)) {
      throw new Error(`${name} needs ground-truth masks: one spatial map of ${P} values per input (${p.n * P} values), got ${options.groundTruth?.length ?? 'none'} (--mask FILE|DIR)`);
    }
    const scores = new Float64Array(p.n);
    for (let e = 0; e < p.n; e++) {
      const mask = options.groundTruth && Uint8Array.from(options.groundTruth.subarray(e * P, (e + 1) * P), (v) => (v !== 0 ? 1 : 0));
      scores[e] = mask && !mask.includes(1) ? NaN : score(preparedMap(mapOf(p, e), o as { absolute: boolean; normalise: boolean }), o, mask);
    }
    return { metric: name, scores };
  };
}

export function mapMetricDescriptor<S extends OptionSchema & MapOptionsSchema>(d: {
  name: string;
  aliases: string[];
  title: string;
  family: MetricFamily;
  summary: string;
  higherIsBetter: boolean;
  options: S;
  fn: ReturnType<typeof mapMetricFunction<S>>;
  order: number;
}): MetricDescriptor {
  const needsMask = d.family === 'localisation';
  return defineMetric({
    name: d.name,
    aliases: d.aliases,
    title: d.title,
    family: d.family,
    summary: d.summary,
    higherIsBetter: d.higherIsBetter,
    needs: needsMask ? { groundTruth: true } : {},
    options: d.options as OptionSchema,
    random: false,
    cost: () => 0,
    run: (model, input, attribution, options, context) =>
      d.fn(model, input, attribution, { ...(options as object), ...callOf(context), groundTruth: context.groundTruth } as MapMetricOptions<S>),
    order: d.order,
  });
}
