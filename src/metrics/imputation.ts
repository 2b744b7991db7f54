/**
 * ROAD's noisy linear imputation (Rong et al. 2022): every removed position takes the
 * weighted mean of its 8 neighbours (weight 1/6 for the 4 direct, 1/12 for the diagonal
 * ones, neighbours outside the image dropped), solved jointly over all removed positions,
 * per channel; then N(0, noise^2) is added to the imputed values. Kept positions are
 * untouched, so nothing changes where nothing is removed.
 *
 * The system (sum_j w_ij) x_i - sum_{j removed} w_ij x_j = sum_{j kept} w_ij x_j is a
 * weighted graph Laplacian with a boundary: symmetric positive definite whenever some
 * position is kept. Solved in float64 by a Cholesky factorisation within the matrix's
 * envelope when it is small enough (unknowns in position order couple at most w + 1 apart,
 * w the image width; one factorisation serves all channels), else by conjugate gradients preconditioned with
 * symmetric SOR. Quantus and the authors use a sparse direct solve: the same solution.
 */
import type { Rng } from '../random.js';
import type { Geometry } from './features.js';

const NEIGHBOURS: ReadonlyArray<[number, number, number]> = [
  [1, 1, 1 / 12], [0, 1, 1 / 6], [-1, 1, 1 / 12], [1, -1, 1 / 12],
  [0, -1, 1 / 6], [-1, -1, 1 / 12], [1, 0, 1 / 6], [-1, 0, 1 / 6],
];

export function noisyLinearImputation(
  dest: Float32Array, removed: Uint8Array, g: Geometry, noise: number, rng?: Rng,
  solver: 'auto' | 'direct' | 'cg' = 'auto', tolerance = 1e-10,
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
  let nl = 0, nu = 0, band = 0;
  for (let v = 0; v < m; v++) {
    const y = Math.floor(vars[v] / w), x = vars[v] - y * w;
    for (let t = 0; t < 8; t++) {
      const yy = y + NEIGHBOURS[t][0], xx = x + NEIGHBOURS[t][1], wt = NEIGHBOURS[t][2];
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      diag[v] += wt;
      const q = yy * w + xx, id = ids[q];
      if (id < 0) for (let c = 0; c < C; c++) b[v * C + c] += wt * dest[elements[q * C + c]];
      else if (id < v) (L[nl] = id), (LW[nl++] = wt), (band = Math.max(band, v - id));
      else (U[nu] = id), (UW[nu++] = wt);
    }
    loStart[v + 1] = nl;
    upStart[v + 1] = nu;
  }
  const x = solver === 'direct' || (solver === 'auto' && m * (band + 1) <= DIRECT_LIMIT)
    ? envelopeCholeskySolve(m, band, diag, loStart, L, LW, b, C)
    : conjugateGradients(m, C, diag, loStart, L, LW, upStart, U, UW, b, tolerance);
  for (let v = 0; v < m; v++) for (let c = 0; c < C; c++) dest[elements[vars[v] * C + c]] = x[v * C + c] + (noise > 0 && rng ? noise * rng.normal() : 0);
}

/** Largest band storage (values) of the direct solve: 2M doubles, 16 MB. */
const DIRECT_LIMIT = 2_000_000;

/**
 * Solve A X = B, A = diag - couplings (SPD, lower band `band`), for C right-hand sides
 * interleaved, by Cholesky within A's envelope: row i of the factor is nonzero only from
 * its first coupling first[i] on (fill stays inside the envelope), so a removed pixel with
 * no earlier removed neighbour costs nothing. Row i is stored contiguously:
 * R[i * W + band - i + j] = factor entry (i, j), W = band + 1.
 */
function envelopeCholeskySolve(m: number, band: number, diag: Float64Array, loStart: Int32Array, L: Int32Array, LW: Float64Array, b: Float64Array, C: number): Float64Array {
  const W = band + 1;
  const R = new Float64Array(m * W);
  const first = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const o = i * W + band - i;
    R[o + i] = diag[i];
    let f = i;
    for (let k = loStart[i]; k < loStart[i + 1]; k++) (R[o + L[k]] -= LW[k]), (f = Math.min(f, L[k]));
    first[i] = f;
  }
  for (let i = 0; i < m; i++) {
    const oi = i * W + band - i, fi = first[i];
    for (let j = fi; j < i; j++) {
      const oj = j * W + band - j;
      let s = R[oi + j];
      for (let k = fi > first[j] ? fi : first[j]; k < j; k++) s -= R[oi + k] * R[oj + k];
      R[oi + j] = s / R[oj + j];
    }
    let s = R[oi + i];
    for (let k = fi; k < i; k++) s -= R[oi + k] * R[oi + k];
    R[oi + i] = Math.sqrt(s);
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < m; i++) {
    const oi = i * W + band - i, d = R[oi + i];
    for (let c = 0; c < C; c++) {
      let s = x[i * C + c];
      for (let k = first[i]; k < i; k++) s -= R[oi + k] * x[k * C + c];
      x[i * C + c] = s / d;
    }
  }
  for (let i = m - 1; i >= 0; i--) {
    const oi = i * W + band - i;
    for (let c = 0; c < C; c++) {
      const v = (x[i * C + c] /= R[oi + i]);
      if (v !== 0) for (let k = first[i]; k < i; k++) x[k * C + c] -= R[oi + k] * v;
    }
  }
  return x;
}

function conjugateGradients(
  m: number, C: number, diag: Float64Array, loStart: Int32Array, L: Int32Array, LW: Float64Array,
  upStart: Int32Array, U: Int32Array, UW: Float64Array, b: Float64Array, tolerance: number,
): Float64Array {
  const apply = (x: Float64Array, out: Float64Array) => {
    for (let v = 0; v < m; v++) {
      for (let c = 0; c < C; c++) out[v * C + c] = diag[v] * x[v * C + c];
      for (let k = loStart[v]; k < loStart[v + 1]; k++) for (let c = 0; c < C; c++) out[v * C + c] -= LW[k] * x[L[k] * C + c];
      for (let k = upStart[v]; k < upStart[v + 1]; k++) for (let c = 0; c < C; c++) out[v * C + c] -= UW[k] * x[U[k] * C + c];
    }
  };
  // symmetric SOR preconditioner: z = (D/w + U)^-1 (D/w) (D/w + L)^-1 r
  const omega = 1.6;
  const precondition = (r: Float64Array, z: Float64Array) => {
    for (let v = 0; v < m; v++) {
      const f = omega / diag[v];
      for (let c = 0; c < C; c++) {
        let s = r[v * C + c];
        for (let k = loStart[v]; k < loStart[v + 1]; k++) s += LW[k] * z[L[k] * C + c];
        z[v * C + c] = s * f;
      }
    }
    for (let v = 0; v < m; v++) for (let c = 0; c < C; c++) z[v * C + c] *= diag[v] / omega;
    for (let v = m - 1; v >= 0; v--) {
      const f = omega / diag[v];
      for (let c = 0; c < C; c++) {
        let s = z[v * C + c];
        for (let k = upStart[v]; k < upStart[v + 1]; k++) s += UW[k] * z[U[k] * C + c];
        z[v * C + c] = s * f;
      }
    }
  };
  const dot = (a: Float64Array, bb: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let i = 0; i < a.length; i++) out[i % C] += a[i] * bb[i];
  };
  // preconditioned conjugate gradients, all channels at once (one coefficient pair per channel)
  const x = new Float64Array(m * C), r = new Float64Array(m * C), z = new Float64Array(m * C), d = new Float64Array(m * C), ad = new Float64Array(m * C);
  for (let i = 0; i < x.length; i++) x[i] = b[i] / diag[Math.floor(i / C)];
  const bNorm = new Float64Array(C), rz = new Float64Array(C), rr = new Float64Array(C), dad = new Float64Array(C), rzNew = new Float64Array(C);
  const alpha = new Float64Array(C), beta = new Float64Array(C);
  dot(b, b, bNorm);
  apply(x, ad);
  for (let i = 0; i < x.length; i++) r[i] = b[i] - ad[i];
  precondition(r, z);
  d.set(z);
  dot(r, z, rz);
  for (let it = 0; it < 10 * m + 100; it++) {
    dot(r, r, rr);
    let active = false;
    for (let c = 0; c < C; c++) active ||= rr[c] > tolerance * tolerance * Math.max(bNorm[c], 1e-300);
    if (!active) break;
    apply(d, ad);
    dot(d, ad, dad);
    for (let c = 0; c < C; c++) alpha[c] = dad[c] > 0 ? rz[c] / dad[c] : 0;
    for (let i = 0; i < x.length; i++) {
      x[i] += alpha[i % C] * d[i];
      r[i] -= alpha[i % C] * ad[i];
    }
    precondition(r, z);
    dot(r, z, rzNew);
    for (let c = 0; c < C; c++) (beta[c] = rz[c] > 0 ? rzNew[c] / rz[c] : 0), (rz[c] = rzNew[c]);
    for (let i = 0; i < x.length; i++) d[i] = z[i] + beta[i % C] * d[i];
  }
  return x;
}
