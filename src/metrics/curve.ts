/**
 * The perturbation-curve engine every curve metric shares (deletion, insertion, pixel
 * flipping, region perturbation, ROAD, IROF, top-k ablation; I-GOS uses deletion and
 * insertion). Given a ranking of units per input and a substrate, the point (input e, step
 * s) is input e with its first k_s units removed (deletion: replaced by the substrate) or
 * kept (insertion: everything else replaced). Points are built one batch at a time into
 * one reused buffer and streamed through model.run: memory is one batch of inputs plus the
 * curves, whatever the number of steps.
 */
import type { Model, Target } from '../engine/model.js';
import { countExamples, sizeOfShape } from '../engine/model.js';
import { rngFor } from '../random.js';
import { chunkSize } from '../methods/runner.js';
import type { Geometry, Units } from './features.js';
import { pixelUnits } from './features.js';
import type { Substrate } from './substrate.js';

export interface CurveOptions {
  /** The resolved target (see metricTarget). */
  target: Target;
  substrate: Substrate;
  geometry: Geometry;
  /** Units removed at each point of the curve, e.g. [0, 8, 16, ...]; default every unit, one at a time, from 0. */
  steps?: readonly number[];
  /** Groups of positions (default: single positions). */
  units?: Units;
  batchSize?: number;
  /** Seed of the substrate's noise (ROAD): point (e, s) draws from rngFor(seed, e, s). */
  seed?: number;
  /** Called after each model call with the points done so far and the total. */
  progress?: (done: number, total: number) => void;
}

export interface CurveResult {
  /** Units removed (deletion) or kept (insertion) at each point. */
  steps: number[];
  /** One curve per input: the target's value at each step. */
  y: Float64Array[];
  /** Examples the model evaluated. */
  forwardExamples: number;
}

/** Step counts 0, k, 2k, ... up to `count` (the last step is always `count`). */
export function evenSteps(count: number, points: number): number[] {
  const out: number[] = [];
  for (let s = 0; s <= points; s++) out.push(Math.round((s * count) / points));
  return [...new Set(out)];
}

/** Trapezoidal area under y over x (default: x evenly spaced over [0, 1]). */
export function auc(y: ArrayLike<number>, x?: ArrayLike<number>): number {
  const n = y.length;
  if (n < 2) return n === 1 ? y[0] : 0;
  let s = 0;
  for (let i = 1; i < n; i++) s += ((x ? x[i] - x[i - 1] : 1 / (n - 1)) * (y[i] + y[i - 1])) / 2;
  return s;
}

async function perturbationCurve(
  mode: 'delete' | 'insert',
  model: Model,
  input: Float32Array,
  rankings: readonly Int32Array[],
  options: CurveOptions,
): Promise<CurveResult> {
  const n = countExamples(input, model.inputShape);
  const per = sizeOfShape(model.inputShape);
  const outSize = sizeOfShape(model.outputShape);
  const g = options.geometry;
  const units = options.units ?? pixelUnits(g.positions);
  if (rankings.length !== n) throw new Error(`${rankings.length} rankings given for ${n} inputs`);
  const steps = [...(options.steps ?? Array.from({ length: units.count + 1 }, (_, i) => i))];
  for (const k of steps) if (!(k >= 0 && k <= units.count && Number.isInteger(k))) throw new Error(`curve step ${k} is outside 0..${units.count} units`);
  const { substrate, target } = options;
  if (mode === 'insert' && !substrate.replacement) throw new Error(`substrate '${substrate.label}' cannot be used for insertion (it imputes removed features)`);
  const batch = chunkSize(model, { batchSize: options.batchSize });
  const S = steps.length;
  const total = n * S;
  const y = Array.from({ length: n }, () => new Float64Array(S));
  const buffer = new Float32Array(Math.min(batch, total) * per);
  const removed = new Uint8Array(g.positions);
  let cachedFor = -1;
  let replacement: Float32Array | undefined;

  const setUnit = (dest: Float32Array, src: Float32Array, u: number) => {
    for (let i = units.start[u]; i < units.start[u + 1]; i++) {
      const p = units.members[i];
      for (let c = 0; c < g.channels; c++) {
        const el = g.element(p, c);
        dest[el] = src[el];
      }
    }
  };
  // the running perturbed image of the current input: consecutive points of one input add
  // units to it (steps usually grow), so a point costs one copy plus its new units
  const current = new Float32Array(per);
  let currentFor = -1, done = 0;
  const fill = (point: number, dest: Float32Array) => {
    const e = Math.floor(point / S), s = point % S;
    const x = input.subarray(e * per, (e + 1) * per);
    const rank = rankings[e];
    if (rank.length !== units.count) throw new Error(`ranking of input ${e} holds ${rank.length} units; expected ${units.count}`);
    const k = steps[s];
    if (!substrate.replacement) {
      dest.set(x);
      removed.fill(0);
      for (let j = 0; j < k; j++) for (let i = units.start[rank[j]]; i < units.start[rank[j] + 1]; i++) removed[units.members[i]] = 1;
      substrate.impute!(dest, removed, rngFor(options.seed ?? 0, e, s));
      return;
    }
    if (currentFor !== e || done > k) {
      if (cachedFor !== e) (replacement = substrate.replacement(x, e)), (cachedFor = e);
      current.set(mode === 'insert' ? replacement! : x);
      (currentFor = e), (done = 0);
    }
    const from = mode === 'insert' ? x : replacement!;
    for (; done < k; done++) setUnit(current, from, rank[done]);
    dest.set(current);
  };

  for (let start = 0; start < total; start += batch) {
    const m = Math.min(batch, total - start);
    const points = buffer.subarray(0, m * per);
    for (let i = 0; i < m; i++) fill(start + i, points.subarray(i * per, (i + 1) * per));
    const logits = (await model.run(points, { outputs: ['logits'] }))['logits'];
    for (let i = 0; i < m; i++) {
      const point = start + i;
      const e = Math.floor(point / S);
      y[e][point % S] = target.value(logits.subarray(i * outSize, (i + 1) * outSize), e);
    }
    options.progress?.(start + m, total);
  }
  return { steps, y, forwardExamples: total };
}

/** Target values as the top-ranked units are removed (replaced by the substrate), one curve per input. */
export function deletionCurve(model: Model, input: Float32Array, rankings: readonly Int32Array[], options: CurveOptions): Promise<CurveResult> {
  return perturbationCurve('delete', model, input, rankings, options);
}

/** Target values as the top-ranked units are inserted into the substrate, one curve per input. */
export function insertionCurve(model: Model, input: Float32Array, rankings: readonly Int32Array[], options: CurveOptions): Promise<CurveResult> {
  return perturbationCurve('insert', model, input, rankings, options);
}
