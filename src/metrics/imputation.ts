/**
 * ROAD's noisy linear imputation (Rong et al. 2022): every removed position takes the
 * weighted mean of its 8 neighbours (weight 1/6 for the 4 direct, 1/12 for the diagonal
 * ones, neighbours outside the image dropped), solved jointly over all removed positions,
 * per channel; then N(0, noise^2) is added to the imputed values. Kept positions are
 * untouched, so nothing changes where nothing is removed.
 *
 * The system (sum_j w_ij) x_i - sum_{j removed} w_ij x_j = sum_{j kept} w_ij x_j is a
 * weighted graph Laplacian with a boundary: symmetric positive definite whenever some
 * position is kept. Solved in float64 by a sparse Cholesky factorisation with the unknowns in
 * nested-dissection order (sparseCholesky.ts; one factorisation serves all channels), or on
 * request by conjugate gradients preconditioned with symmetric SOR (conjugateGradients.ts,
 * `solver: 'cg'`, used to cross-check). Quantus and the authors use a sparse direct solve:
 * the same solution.
 */
import type { Rng } from '../random.js';
import type { Geometry } from './features.js';
import { conjugateGradients } from './conjugateGradients.js';
import { choleskyFactor, choleskySolve, gridDissection } from './sparseCholesky.js';

const NEIGHBOURS: ReadonlyArray<[number, number, number]> = [
  [1, 1, 1 / 12], [0, 1, 1 / 6], [-1, 1, 1 / 12], [1, -1, 1 / 12],
  [0, -1, 1 / 6], [-1, -1, 1 / 12], [1, 0, 1 / 6], [-1, 0, 1 / 6],
];

export function noisyLinearImputation(
  dest: Float32Array, removed: Uint8Array, g: Geometry, noise: number, rng?: Rng,
  solver: 'direct' | 'cg' = 'direct', tolerance = 1e-10,
): void {
  const [h, w] = g.hw;
  const C = g.channels;
  const ids = new Int32Array(g.positions).fill(-1);
  let m = 0;
  for (let p = 0; p < g.positions; p++) if (removed[p]) ids[p] = m++;
  if (m === 0) return;
  if (m === g.positions) throw new Error('noisy linear imputation needs at least one kept position (every position was removed)');
  const vars = new Int32Array(m);
  for (let p = 0; p < g.positions; p++) if (ids[p] >= 0) vars[ids[p]] = p;
  // couplings between unknowns (CSR, lower and upper in position order), diagonal, right-hand sides
  const L = new Int32Array(4 * m), LW = new Float64Array(4 * m), U = new Int32Array(4 * m), UW = new Float64Array(4 * m);
  const loStart = new Int32Array(m + 1), upStart = new Int32Array(m + 1);
  const diag = new Float64Array(m);
  const b = new Float64Array(m * C);
  const elements = new Int32Array(g.positions * C);
  for (let p = 0; p < g.positions; p++) for (let c = 0; c < C; c++) elements[p * C + c] = g.element(p, c);
  let nl = 0, nu = 0;
  for (let v = 0; v < m; v++) {
    const y = Math.floor(vars[v] / w), x = vars[v] - y * w;
    for (let t = 0; t < 8; t++) {
      const yy = y + NEIGHBOURS[t][0], xx = x + NEIGHBOURS[t][1], wt = NEIGHBOURS[t][2];
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      diag[v] += wt;
      const q = yy * w + xx, id = ids[q];
      if (id < 0) for (let c = 0; c < C; c++) b[v * C + c] += wt * dest[elements[q * C + c]];
      else if (id < v) (L[nl] = id), (LW[nl++] = wt);
      else (U[nu] = id), (UW[nu++] = wt);
    }
    loStart[v + 1] = nl;
    upStart[v + 1] = nu;
  }
  const system = { m, diag, loStart, lo: L, loW: LW, upStart, up: U, upW: UW };
  let x: Float64Array;
  if (solver === 'cg') x = conjugateGradients(system, b, C, tolerance);
  else {
    const order = gridDissection(ids, h, w, m);
    x = choleskySolve(choleskyFactor(system, order), order, b, C);
  }
  for (let v = 0; v < m; v++) for (let c = 0; c < C; c++) dest[elements[vars[v] * C + c]] = x[v * C + c] + (noise > 0 && rng ? noise * rng.normal() : 0);
}
