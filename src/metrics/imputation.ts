/**
 * ROAD's noisy linear imputation (Rong et al. 2022): every removed position takes the
 * weighted mean of its 8 neighbours (weight 1/6 for the 4 direct, 1/12 for the diagonal
 * ones, neighbours outside the image dropped), solved jointly over all removed positions,
 * per channel; then N(0, noise^2) is added to the imputed values. Kept positions are
 * untouched, so nothing changes where nothing is removed.
 *
 * The system (sum_j w_ij) x_i - sum_{j removed} w_ij x_j = sum_{j kept} w_ij x_j is a
 * weighted graph Laplacian with a boundary: symmetric positive definite whenever some
 * position is kept, solved here by Jacobi-preconditioned conjugate gradients in float64
 * (Quantus and the authors use a sparse direct solve; both give the same solution).
 */
import type { Rng } from '../baselines/random.js';
import type { Geometry } from './features.js';

const NEIGHBOURS: ReadonlyArray<[number, number, number]> = [
  [1, 1, 1 / 12], [0, 1, 1 / 6], [-1, 1, 1 / 12], [1, -1, 1 / 12],
  [0, -1, 1 / 6], [-1, -1, 1 / 12], [1, 0, 1 / 6], [-1, 0, 1 / 6],
];

export function noisyLinearImputation(dest: Float32Array, removed: Uint8Array, g: Geometry, noise: number, rng?: Rng, tolerance = 1e-12): void {
  const [h, w] = g.hw;
  const ids = new Int32Array(g.positions).fill(-1);
  const vars: number[] = [];
  for (let p = 0; p < g.positions; p++) if (removed[p]) ids[p] = vars.push(p) - 1;
  const m = vars.length;
  if (m === 0) return;
  if (m === g.positions) throw new Error('noisy linear imputation needs at least one kept position (every position was removed)');
  // sparse rows: neighbour variable ids and weights; diagonal = sum of valid weights
  const nbr = new Int32Array(m * 8).fill(-1);
  const wts = new Float64Array(m * 8);
  const diag = new Float64Array(m);
  for (let v = 0; v < m; v++) {
    const y = Math.floor(vars[v] / w), x = vars[v] % w;
    NEIGHBOURS.forEach(([dy, dx, wt], k) => {
      const yy = y + dy, xx = x + dx;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) return;
      diag[v] += wt;
      nbr[v * 8 + k] = yy * w + xx;
      wts[v * 8 + k] = wt;
    });
  }
  const apply = (x: Float64Array, out: Float64Array) => {
    for (let v = 0; v < m; v++) {
      let s = diag[v] * x[v];
      for (let k = 0; k < 8; k++) {
        const q = nbr[v * 8 + k];
        if (q >= 0 && ids[q] >= 0) s -= wts[v * 8 + k] * x[ids[q]];
      }
      out[v] = s;
    }
  };
  const b = new Float64Array(m), x = new Float64Array(m), r = new Float64Array(m), z = new Float64Array(m), d = new Float64Array(m), ad = new Float64Array(m);
  for (let c = 0; c < g.channels; c++) {
    let bNorm = 0;
    for (let v = 0; v < m; v++) {
      let s = 0;
      for (let k = 0; k < 8; k++) {
        const q = nbr[v * 8 + k];
        if (q >= 0 && ids[q] < 0) s += wts[v * 8 + k] * dest[g.element(q, c)];
      }
      b[v] = s;
      bNorm += s * s;
      x[v] = s / diag[v];
    }
    // conjugate gradients with the Jacobi preconditioner
    apply(x, ad);
    let rz = 0;
    for (let v = 0; v < m; v++) {
      r[v] = b[v] - ad[v];
      z[v] = r[v] / diag[v];
      d[v] = z[v];
      rz += r[v] * z[v];
    }
    const stop = tolerance * tolerance * Math.max(bNorm, 1e-300);
    for (let it = 0; it < 10 * m + 100; it++) {
      let rr = 0;
      for (let v = 0; v < m; v++) rr += r[v] * r[v];
      if (rr <= stop) break;
      apply(d, ad);
      let dad = 0;
      for (let v = 0; v < m; v++) dad += d[v] * ad[v];
      const alpha = rz / dad;
      let rzNew = 0;
      for (let v = 0; v < m; v++) {
        x[v] += alpha * d[v];
        r[v] -= alpha * ad[v];
        z[v] = r[v] / diag[v];
        rzNew += r[v] * z[v];
      }
      const beta = rzNew / rz;
      rz = rzNew;
      for (let v = 0; v < m; v++) d[v] = z[v] + beta * d[v];
    }
    for (let v = 0; v < m; v++) dest[g.element(vars[v], c)] = x[v] + (noise > 0 && rng ? noise * rng.normal() : 0);
  }
}
