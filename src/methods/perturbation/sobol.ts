/**
 * Sobol attribution (Fel, Cadène, Chalvidal et al. 2021, "Look at the Variance!"), as
 * Xplique's SobolAttributionMethod with its Scipy Sobol sampler and the Jansen estimator:
 * real-valued masks on a grid x grid of cells come from a quasi-Monte Carlo design (the
 * unscrambled Sobol sequence in 2 d dimensions split into matrices A and B, and for each
 * cell i a matrix C_i equal to A with column i taken from B), are upsampled to the input
 * by nearest neighbour and applied as x * M + (1 - M) * baseline (Xplique's 'inpainting':
 * baseline 0). The total-order index of cell i is
 *   S_Ti = sum_n (f(A_n) - f(C_i,n))^2 / (2 N Var(f(A))),
 * and the grid of indices is upsampled to the input by bicubic interpolation (Keys, a = -0.5,
 * half-pixel centres, weights renormalised inside the image, as TensorFlow's resize), or
 * kept per cell (`upsample: 'nearest'`). Cost: designs x (grid^2 + 2) forward passes per
 * input. Deterministic (the sequence is not scrambled).
 */
import type { Model } from '../../engine/model.js';
import { countExamples } from '../../engine/model.js';
import { describeBaseline, drawBaselines, type Baseline } from '../../baselines/baseline.js';
import { rngFor } from '../../random.js';
import { inputSpace, type Preprocessing } from '../../engine/space.js';
import type { Attribution, CommonOptions } from '../attribution.js';
import { defineMethod } from '../descriptor.js';
import { Runner } from '../runner.js';
import { maskShape, positions } from './features.js';
import { sobolPoints } from './sobolSequence.js';
import { forwardStream } from './stream.js';

export interface SobolOptions extends CommonOptions {
  /** Cells per side. Default 8 (Xplique's). */
  grid?: number;
  /** Quasi-Monte Carlo designs N, a power of two. Default 32 (Xplique's). */
  designs?: number;
  /** What masked pixels fade to. Default 0 (Xplique's inpainting). */
  baseline?: Baseline;
  preprocessing?: Preprocessing;
  /** Upsampling of the cell indices to the input. Default 'bicubic' (Xplique's). */
  upsample?: 'bicubic' | 'nearest';
  seed?: number;
}

export const sobolDefaults = { grid: 8, designs: 32 };

/** TF2-style nearest-neighbour source index of output o (half-pixel centres). */
function nearest(o: number, from: number, to: number): number {
  return Math.min(Math.floor(((o + 0.5) * from) / to), from - 1);
}

function keysCubic(x: number): number {
  x = Math.abs(x);
  if (x >= 2) return 0;
  if (x >= 1) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
  return (1.5 * x - 2.5) * x * x + 1;
}

/** 1-d bicubic resize weights (TensorFlow's scale_and_translate with the Keys kernel, no antialiasing). */
function cubicTaps(from: number, to: number): { start: Int32Array; weights: Float64Array[] } {
  const start = new Int32Array(to);
  const weights: Float64Array[] = [];
  for (let o = 0; o < to; o++) {
    const sample = ((o + 0.5) * from) / to;
    const lo = Math.max(0, Math.min(from - 1, Math.ceil(sample - 2 - 0.5)));
    const hi = Math.max(0, Math.min(from - 1, Math.floor(sample + 2 - 0.5))) + 1;
    const w = Float64Array.from({ length: hi - lo }, (_, k) => keysCubic(lo + k + 0.5 - sample));
    const total = w.reduce((a, b) => a + b, 0);
    if (Math.abs(total) > 0) for (let k = 0; k < w.length; k++) w[k] /= total;
    start[o] = lo;
    weights.push(w);
  }
  return { start, weights };
}

/** Resize a [gh, gw] map to [h, w] by bicubic interpolation. */
export function bicubicResize(map: ArrayLike<number>, gh: number, gw: number, h: number, w: number): Float64Array {
  const ry = cubicTaps(gh, h);
  const rx = cubicTaps(gw, w);
  const rows = new Float64Array(gh * w); // columns first
  for (let y = 0; y < gh; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      rx.weights[x].forEach((wt, k) => (s += wt * map[y * gw + rx.start[x] + k]));
      rows[y * w + x] = s;
    }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      ry.weights[y].forEach((wt, k) => (s += wt * rows[(ry.start[y] + k) * w + x]));
      out[y * w + x] = s;
    }
  return out;
}

export async function sobolAttribution(model: Model, input: Float32Array, options: SobolOptions = {}): Promise<Attribution> {
  const n = countExamples(input, model.inputShape);
  const runner = new Runner(model, options);
  const per = runner.per;
  const target = await runner.resolveTarget(options.target, input);
  const space = inputSpace(model, options.preprocessing);
  const [h, w] = maskShape(space);
  const pos = positions(space);
  const grid = options.grid ?? sobolDefaults.grid;
  const N = options.designs ?? sobolDefaults.designs;
  if (!(Number.isInteger(grid) && grid >= 1 && grid <= Math.min(h, w))) throw new Error(`Sobol grid must be an integer in 1..${Math.min(h, w)}, got ${grid}`);
  if (!(Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0)) throw new Error(`Sobol designs must be a power of two >= 2, got ${N}`);
  const d = grid * grid;
  const ab = sobolPoints(N, 2 * d);
  const seed = options.seed ?? 0;
  const baselineSpec = options.baseline ?? 0;
  const baselines = drawBaselines(baselineSpec, input, per, (e) => rngFor(seed, e));
  const rows = N * (d + 2);
  // cell of each element, and the design value of cell i in row r of [A; B; C_1 .. C_d]
  const cellOf = Int32Array.from(pos, (p) => nearest(Math.floor(p / w), grid, h) * grid + nearest(p % w, grid, w));
  const value = (r: number, i: number) => {
    if (r < N) return ab[r * 2 * d + i];
    if (r < 2 * N) return ab[(r - N) * 2 * d + d + i];
    const col = Math.floor((r - 2 * N) / N);
    const b = (r - 2 * N) % N;
    return ab[b * 2 * d + (i === col ? d + i : i)];
  };
  const outputs = new Float64Array(n * rows);
  await forwardStream(
    runner,
    n * rows,
    (q) => Math.floor(q / rows),
    (q, dest) => {
      const e = Math.floor(q / rows);
      const r = q % rows;
      const m = Float32Array.from({ length: d }, (_, i) => value(r, i));
      for (let j = 0; j < per; j++) {
        const v = m[cellOf[j]];
        dest[j] = input[e * per + j] * v + (1 - v) * baselines[e * per + j];
      }
    },
    (start, m, out) => outputs.set(out.map(Math.fround), start),
  );
  const values = new Float32Array(n * per);
  const indices = new Float64Array(n * d);
  for (let e = 0; e < n; e++) {
    const o = outputs.subarray(e * rows, (e + 1) * rows);
    let mean = 0;
    for (let k = 0; k < N; k++) mean += o[k];
    mean /= N;
    let ssd = 0;
    for (let k = 0; k < N; k++) ssd += (o[k] - mean) ** 2;
    const variance = Math.max(ssd / Math.max(N - 1, 1), 1e-12);
    for (let i = 0; i < d; i++) {
      let num = 0;
      for (let k = 0; k < N; k++) num += (o[k] - o[2 * N + i * N + k]) ** 2;
      indices[e * d + i] = num / (2 * N * variance);
    }
    const cells = indices.subarray(e * d, (e + 1) * d);
    const map = (options.upsample ?? 'bicubic') === 'bicubic' ? bicubicResize(cells, grid, grid, h, w) : undefined;
    for (let j = 0; j < per; j++) values[e * per + j] = map ? map[pos[j]] : cells[cellOf[j]];
  }
  return {
    values,
    shape: [n, ...model.inputShape],
    method: 'sobol',
    params: { grid, designs: N, upsample: options.upsample ?? 'bicubic', baseline: describeBaseline(baselineSpec), batchSize: runner.batch },
    target: target.label,
    timings: runner.finish(),
  };
}

export const descriptor = defineMethod({
  name: 'sobol',
  aliases: ['sobolattribution'],
  title: 'Sobol attribution',
  family: 'perturbation',
  summary: 'Total-order Sobol indices of grid cells under quasi-Monte Carlo masks (Fel et al. 2021; Xplique)',
  needs: { gradients: false, baseline: true },
  options: {
    grid: { kind: 'integer', default: sobolDefaults.grid, min: 1, max: 16, description: 'cells per side of the mask grid (at most 16: 512 Sobol dimensions)' },
    designs: { kind: 'integer', default: sobolDefaults.designs, min: 2, description: 'quasi-Monte Carlo designs (a power of two)' },
  },
  random: (_o, c) => c.randomBaseline,
  cost: (n, o) => n * o.designs * (o.grid * o.grid + 2),
  run: (model, input, o, c) =>
    sobolAttribution(model, input, { grid: o.grid, designs: o.designs, target: c.target, baseline: c.baseline, preprocessing: c.preprocessing, seed: c.seed, batchSize: c.batchSize }),
  order: 80,
});
