/**
 * Preconditioned conjugate gradients for ROAD's imputation system A X = B (imputation.ts):
 * A = diag - couplings, symmetric positive definite, couplings split into the lower (earlier
 * unknowns) and upper (later unknowns) parts, C right-hand sides interleaved (b[v * C + c]).
 *
 * Each channel is solved on its own, contiguous (channel-major), with the symmetric SOR
 * preconditioner z = (D/w + U)^-1 (D/w) (D/w + L)^-1 r. Iterates until the residual's norm
 * is below `tolerance` times the right-hand side's, per channel.
 */
export interface Couplings {
  m: number;
  diag: Float64Array;
  loStart: Int32Array;
  lo: Int32Array;
  loW: Float64Array;
  upStart: Int32Array;
  up: Int32Array;
  upW: Float64Array;
}

const OMEGA = 1.6;

export function conjugateGradients(a: Couplings, b: Float64Array, C: number, tolerance: number): Float64Array {
  const { m, diag, loStart, lo, loW, upStart, up, upW } = a;
  const f = Float64Array.from(diag, (d) => OMEGA / d);
  const apply = (x: Float64Array, out: Float64Array) => {
    for (let v = 0; v < m; v++) {
      let s = diag[v] * x[v];
      for (let k = loStart[v], e = loStart[v + 1]; k < e; k++) s -= loW[k] * x[lo[k]];
      for (let k = upStart[v], e = upStart[v + 1]; k < e; k++) s -= upW[k] * x[up[k]];
      out[v] = s;
    }
  };
  // the middle scaling by D/w is folded into the backward sweep
  const precondition = (r: Float64Array, z: Float64Array) => {
    for (let v = 0; v < m; v++) {
      let s = r[v];
      for (let k = loStart[v], e = loStart[v + 1]; k < e; k++) s += loW[k] * z[lo[k]];
      z[v] = s * f[v];
    }
    for (let v = m - 1; v >= 0; v--) {
      let s = 0;
      for (let k = upStart[v], e = upStart[v + 1]; k < e; k++) s += upW[k] * z[up[k]];
      z[v] += s * f[v];
    }
  };
  const dot = (p: Float64Array, q: Float64Array) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += p[i] * q[i];
    return s;
  };
  const out = new Float64Array(m * C);
  const bc = new Float64Array(m), x = new Float64Array(m), r = new Float64Array(m), z = new Float64Array(m), d = new Float64Array(m), ad = new Float64Array(m);
  for (let c = 0; c < C; c++) {
    for (let v = 0; v < m; v++) (bc[v] = b[v * C + c]), (x[v] = bc[v] / diag[v]);
    const limit = tolerance * tolerance * Math.max(dot(bc, bc), 1e-300);
    apply(x, ad);
    for (let v = 0; v < m; v++) r[v] = bc[v] - ad[v];
    precondition(r, z);
    d.set(z);
    let rz = dot(r, z);
    let it = 0;
    for (; it < 10 * m + 100 && dot(r, r) > limit; it++) {
      apply(d, ad);
      const dad = dot(d, ad);
      const alpha = dad > 0 ? rz / dad : 0;
      for (let v = 0; v < m; v++) (x[v] += alpha * d[v]), (r[v] -= alpha * ad[v]);
      precondition(r, z);
      const rzNew = dot(r, z);
      const beta = rz > 0 ? rzNew / rz : 0;
      rz = rzNew;
      for (let v = 0; v < m; v++) d[v] = z[v] + beta * d[v];
    }
    (globalThis as any).__cgIts = it;
    for (let v = 0; v < m; v++) out[v * C + c] = x[v];
  }
  return out;
}
