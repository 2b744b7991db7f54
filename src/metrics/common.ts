/**
 * What the curve metrics share: reading the inputs (geometry, channel-summed maps),
 * ranking units per input, running a ranked curve and its random control, and the option
 * specs every metric spells the same way.
 */
import type { Model } from '../engine/model.js';
import { countExamples } from '../engine/model.js';
import type { Baseline } from '../baselines/baseline.js';
import { rngFor } from '../random.js';
import type { Preprocessing } from '../engine/space.js';
import type { TargetSpec } from '../methods/attribution.js';
import { chunkSize } from '../methods/runner.js';
import { deletionCurve, insertionCurve, type CurveResult } from './curve.js';
import type { MetricContext } from './descriptor.js';
import { attributionMaps, geometry, pixelUnits, rankUnits, unitScores, type Geometry, type Order, type Units } from './features.js';
import { makeSubstrate, SUBSTRATES, type SubstrateName } from './substrate.js';
import { metricTarget, type MetricOutput } from './target.js';

/** What every metric function takes besides its own options (the MetricContext, minus explain). */
export interface MetricCall {
  target: TargetSpec;
  preprocessing?: Preprocessing;
  baseline?: Baseline;
  seed?: number;
  batchSize?: number;
  progress?: (done: number, total: number) => void;
}

export const substrateOption = (def: SubstrateName, description = 'what removed pixels become: zero, black (pixel min), mean (per-channel image mean), blur, road (noisy linear imputation)') => ({
  kind: 'choice' as const,
  choices: SUBSTRATES,
  default: def as string,
  description,
});
export const outputOption = (def: MetricOutput) => ({ kind: 'choice' as const, choices: ['probability', 'logit'] as const, default: def as string, description: "the target's softmax probability or its logit" });
export const sigmaOption = { kind: 'number' as const, default: 5, min: 0, description: 'blur substrate: Gaussian sigma in pixels' };
export const controlOption = { kind: 'boolean' as const, default: true, description: 'also draw a random-ranking control curve' };

export interface Prepared {
  n: number;
  g: Geometry;
  maps: Float64Array;
  batch: number;
}

export function prepare(model: Model, input: Float32Array, attribution: Float32Array, call: MetricCall): Prepared {
  const n = countExamples(input, model.inputShape);
  const g = geometry(model, call.preprocessing);
  return { n, g, maps: attributionMaps(attribution, n, g), batch: chunkSize(model, { batchSize: call.batchSize }) };
}

export function mapOf(p: Prepared, e: number): Float64Array {
  return p.maps.subarray(e * p.g.positions, (e + 1) * p.g.positions);
}

export interface RankedCurveOptions {
  mode: 'delete' | 'insert';
  order: Order;
  substrate: SubstrateName | Baseline;
  sigma?: number;
  noise?: number;
  output: MetricOutput;
  /** Units removed at each point. */
  steps: readonly number[];
  units?: Units;
  unitReduce?: 'sum' | 'mean';
  control: boolean;
}

export interface RankedCurves {
  curve: CurveResult;
  control?: CurveResult;
  units: Units;
}

/** The curve of the attribution's ranking, and its random-ranking control (seeded per input). */
export async function rankedCurves(model: Model, input: Float32Array, p: Prepared, o: RankedCurveOptions, call: MetricCall): Promise<RankedCurves> {
  const units = o.units ?? pixelUnits(p.g.positions);
  const seed = call.seed ?? 0;
  const rankings = Array.from({ length: p.n }, (_, e) => rankUnits(unitScores(mapOf(p, e), units, o.unitReduce), o.order, rngFor(seed, 1, e)));
  const common = {
    target: metricTarget(model, call.target, o.output),
    substrate: makeSubstrate(o.substrate, p.g, { sigma: o.sigma, noise: o.noise, seed }),
    geometry: p.g,
    steps: o.steps,
    units,
    batchSize: p.batch,
    seed,
  };
  const run = o.mode === 'delete' ? deletionCurve : insertionCurve;
  const curve = await run(model, input, rankings, { ...common, progress: call.progress });
  let control: CurveResult | undefined;
  if (o.control) {
    const random = Array.from({ length: p.n }, (_, e) => rankUnits(new Float64Array(units.count), 'random', rngFor(seed, 2, e)));
    control = await run(model, input, random, { ...common, seed: seed + 1 });
  }
  return { curve, control, units };
}

export function toArrays(ys: readonly Float64Array[]): number[][] {
  return ys.map((y) => Array.from(y));
}

/** Merge a descriptor's option values with the context into a metric call. */
export function callOf(context: MetricContext): MetricCall {
  return { target: context.target, preprocessing: context.preprocessing, baseline: context.baseline, seed: context.seed, batchSize: context.batchSize, progress: context.progress };
}

/** Drop undefined values so they do not hide defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const defaultsOf = <S extends Record<string, { default: unknown }>>(schema: S) =>
  Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, v.default])) as { [K in keyof S]: S[K]['default'] };
