/**
 * RISE (Petsiuk, Das & Saenko 2018), as the authors' code (eclique/RISE, explanations.py):
 * N random binary grids of cell x cell cells, each cell kept with probability p, are
 * upsampled bilinearly to (cell + 1) x ceil(size / cell) pixels per side (scikit-image's
 * resize: order 1, 'reflect' borders, half-pixel centres) and cropped at a random shift
 * of less than one cell; the input is multiplied by each mask (more generally: mask x input
 * + (1 - mask) x baseline, the authors' being baseline 0), and the saliency is the sum of
 * the scores weighted by the masks, divided by N and p. The authors score with the class
 * probability (softmax), the default here when the target is a class.
 *
 * Masks are made one at a time from their own seeded stream (mask i from rngFor(seed, i),
 * the same masks for every input), applied chunk by chunk and never all held in memory.
 */
import type { Model, Target } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { describeBaseline, drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { rngFor, type Rng } from '../../random.js';
import { inputSpace, type Preprocessing } from '../../engine/space.js';
import { classProbability } from '../../targets/index.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { maskShape, positions } from './features.js';
import { forwardStream } from './stream.js';

export interface RiseDraw {
  /** cell x cell values, 1 where the cell is kept (row-major). */
  grid: ArrayLike<number>;
  /** Crop offset [dy, dx] into the upsampled mask, each in [0, ceil(size / cell)). */
  shift: readonly [number, number];
}

export interface RiseOptions extends CommonOptions {
  /** Number of masks N. Default 4000 (the authors' ImageNet setting). */
  masks?: number;
  /** Cells per side of the coarse grid. Default 7. */
  cell?: number;
  /** Probability of keeping a cell. Default 0.5. */
  p?: number;
  /** What masked-out pixels become. Default 0 (the authors multiply the image by the mask). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Score class targets by their softmax probability (the authors') or by the target as given. Default 'probability'. */
  score?: 'probability' | 'target';
  seed?: number;
  /** Fixed grids and shifts (e.g. to reproduce the authors' code); masks is then their number. */
  draws?: readonly RiseDraw[];
}

export const riseDefaults = { masks: 4000, cell: 7, p: 0.5 };

/** Sample positions and weights of a 1-d linear resize with mirror borders and half-pixel centres. */
function linearTaps(from: number, to: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const mirror = (i: number) => (from === 1 ? 0 : i < 0 ? -i : i >= from ? 2 * (from - 1) - i : i);
  const i0 = new Int32Array(to);
  const i1 = new Int32Array(to);
  const f = new Float64Array(to);
  for (let o = 0; o < to; o++) {
    const c = ((o + 0.5) * from) / to - 0.5;
    const lo = Math.floor(c);
    f[o] = c - lo;
    i0[o] = mirror(lo);
    i1[o] = mirror(lo + 1);
  }
  return { i0, i1, f };
}

/** Upsampling plan of one mask size: the 1-d taps of both axes. */
interface MaskPlan {
  rows: ReturnType<typeof linearTaps>;
  cols: ReturnType<typeof linearTaps>;
  /** The grid rows interpolated along x, cell x w (reused scratch). */
  across: Float64Array;
}

const plans = new Map<string, MaskPlan>();
function planFor(cell: number, h: number, w: number): MaskPlan {
  const key = `${cell}/${h}/${w}`;
  let plan = plans.get(key);
  if (!plan) {
    plan = { rows: linearTaps(cell, (cell + 1) * Math.ceil(h / cell)), cols: linearTaps(cell, (cell + 1) * Math.ceil(w / cell)), across: new Float64Array(cell * w) };
    if (plans.size > 16) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

/**
 * The RISE mask of one draw: [h, w] values in [0, 1]. Separable: each grid row is first
 * interpolated along x (cell x w values), then every output row mixes two of those, which
 * is the same arithmetic, in the same order, as interpolating each pixel from its 4 cells.
 */
export function riseMask(draw: RiseDraw, cell: number, h: number, w: number, out = new Float32Array(h * w)): Float32Array {
  const { rows, cols, across } = planFor(cell, h, w);
  const [dy, dx] = draw.shift;
  const g = draw.grid;
  for (let r = 0; r < cell; r++) {
    const base = r * cell;
    const row = r * w;
    for (let x = 0; x < w; x++) {
      const ox = x + dx;
      const fx = cols.f[ox];
      across[row + x] = (1 - fx) * g[base + cols.i0[ox]] + fx * g[base + cols.i1[ox]];
    }
  }
  for (let y = 0; y < h; y++) {
    const oy = y + dy;
    const top = rows.i0[oy] * w;
    const bottom = rows.i1[oy] * w;
    const fy = rows.f[oy];
    const o = y * w;
    for (let x = 0; x < w; x++) out[o + x] = (1 - fy) * across[top + x] + fy * across[bottom + x];
  }
  return out;
}

/**
 * dest = mask x input + (1 - mask) x baseline for the example starting at `offset`; channel
 * planes (NCHW) read the mask straight, other layouts through `pos`. `zeroBaseline`: the
 * authors' masking, mask x input (the baseline term adds 0, so it is not read).
 */
function applyMask(m: Float32Array, pos: Int32Array, planar: boolean, input: Float32Array, baselines: Float32Array, zeroBaseline: boolean, offset: number, dest: Float32Array): void {
  if (planar && zeroBaseline) {
    const area = m.length;
    for (let c = 0; c < dest.length; c += area) for (let k = 0; k < area; k++) dest[c + k] = m[k] * input[offset + c + k];
    return;
  }
  if (planar) {
    const area = m.length;
    for (let c = 0; c < dest.length; c += area)
      for (let k = 0; k < area; k++) {
        const v = m[k];
        dest[c + k] = v * input[offset + c + k] + (1 - v) * baselines[offset + c + k];
      }
    return;
  }
  for (let j = 0; j < dest.length; j++) {
    const v = m[pos[j]];
    dest[j] = v * input[offset + j] + (1 - v) * baselines[offset + j];
  }
}

/** sal[offset + k] += s x m[k] for k < area. */
function addScaled(sal: Float64Array, offset: number, s: number, m: Float32Array, area: number): void {
  for (let k = 0; k < area; k++) sal[offset + k] += s * m[k];
}

/** A random draw: each cell kept with probability p, a shift of less than one cell. */
export function riseDraw(cell: number, p: number, h: number, w: number, rng: Rng): RiseDraw {
  const grid = Uint8Array.from({ length: cell * cell }, () => (rng.float() < p ? 1 : 0));
  return { grid, shift: [rng.int(Math.ceil(h / cell)), rng.int(Math.ceil(w / cell))] };
}

export async function rise(model: Model, input: Float32Array, options: RiseOptions = {}): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  let target = await runner.resolveTarget(options.target, input);
  const isClass = options.target === undefined || typeof options.target === 'number' || Array.isArray(options.target);
  if ((options.score ?? 'probability') === 'probability' && isClass && runner.outSize > 1) {
    const logits = await runner.forward(input);
    const classes = Array.from({ length: n }, (_, e) => {
      if (typeof options.target === 'number') return options.target;
      if (Array.isArray(options.target)) return options.target[e] as number;
      const row = logits.subarray(e * runner.outSize, (e + 1) * runner.outSize);
      return row.indexOf(Math.max(...row));
    });
    target = runner.target = classProbability(classes, runner.outSize) as Target;
  }
  const space = inputSpace(model, options.preprocessing);
  const [h, w] = maskShape(space);
  const pos = positions(space);
  const planar = space.layout === 'NCHW';
  const cell = options.cell ?? riseDefaults.cell;
  const p = options.p ?? riseDefaults.p;
  const N = options.draws?.length ?? options.masks ?? riseDefaults.masks;
  if (!(Number.isInteger(cell) && cell >= 1 && cell <= Math.min(h, w))) throw new Error(`RISE cell must be an integer in 1..${Math.min(h, w)}, got ${cell}`);
  if (!(p > 0 && p <= 1)) throw new Error(`RISE p must be in (0, 1], got ${p}`);
  if (!(Number.isInteger(N) && N >= 1)) throw new Error(`RISE needs at least one mask, got ${N}`);
  const seed = options.seed ?? 0;
  const baselineSpec = options.baseline ?? 0;
  const baselines = drawBaselines(baselineSpec, input, per, (e) => rngFor(seed, e));
  const zeroBaseline = baselines.every((v) => v === 0);
  const drawOf = (i: number) => options.draws?.[i] ?? riseDraw(cell, p, h, w, rngFor(seed, i, 3));

  const masks = new Float32Array(runner.batch * h * w); // the masks of the chunk in flight
  const sal = new Float64Array(n * h * w);
  await forwardStream(
    runner,
    n * N,
    (q) => Math.floor(q / N),
    (q, dest) => {
      const e = Math.floor(q / N);
      const m = riseMask(drawOf(q % N), cell, h, w, masks.subarray((q % runner.batch) * h * w, (q % runner.batch + 1) * h * w));
      applyMask(m, pos, planar, input, baselines, zeroBaseline, e * per, dest);
    },
    (start, count, values) => {
      for (let i = 0; i < count; i++) {
        const e = Math.floor((start + i) / N);
        const m = masks.subarray(((start + i) % runner.batch) * h * w);
        addScaled(sal, e * h * w, Math.fround(values[i]), m, h * w);
      }
    },
  );
  const values = new Float32Array(n * per);
  for (let e = 0; e < n; e++) for (let j = 0; j < per; j++) values[e * per + j] = sal[e * h * w + pos[j]] / N / p;
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'rise',
    params: { masks: N, cell, p, baseline: describeBaseline(baselineSpec), score: options.score ?? 'probability', seed, fixedDraws: options.draws !== undefined, batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'rise',
  aliases: ['randomizedinputsampling'],
  title: 'RISE',
  family: 'perturbation',
  summary: 'Scores of randomly masked inputs averaged with the masks as weights (Petsiuk et al. 2018)',
  needs: { gradients: false, baseline: true },
  options: {
    masks: { kind: 'integer', default: riseDefaults.masks, min: 1, description: 'number of random masks N' },
    cell: { kind: 'integer', default: riseDefaults.cell, min: 1, description: 'cells per side of the coarse mask grid' },
    p: { kind: 'number', default: riseDefaults.p, min: 0, max: 1, exclusiveMin: true, description: 'probability of keeping a cell' },
  },
  random: true,
  cost: (n, o) => n * o.masks,
  run: (model, input, o, c) =>
    rise(model, input, { masks: o.masks, cell: o.cell, p: o.p, target: c.target, baseline: c.baseline, preprocessing: c.preprocessing, seed: c.seed, batchSize: c.batchSize }),
  order: 70,
});
