/**
 * Sparse Cholesky factorisation for ROAD's imputation system (imputation.ts): the unknowns
 * are removed pixels of an h x w grid coupled to their 8 neighbours, ordered by nested
 * dissection (a row or column of pixels separates the two halves of a rectangle for an
 * 8-neighbour stencil; halves first, separator last; the line with the fewest unknowns in
 * the middle third, 10 % less work than the middle line on ROAD's curves) so the fill stays near
 * O(m log m) instead of the band's O(m w). The factorisation is the up-looking one
 * (Davis, Direct Methods for Sparse Linear Systems, 2006, ch. 4): the elimination tree
 * gives each row's pattern, a symbolic pass sizes the columns, a numeric pass fills them.
 */
import type { Couplings } from './conjugateGradients.js';

/** Order of the unknowns (order[new] = unknown) by nested dissection of the grid. */
export function gridDissection(ids: Int32Array, h: number, w: number, m: number, order: Int32Array = new Int32Array(m)): Int32Array {
  let next = 0;
  const take = (y0: number, y1: number, x0: number, x1: number) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (ids[y * w + x] >= 0) order[next++] = ids[y * w + x];
  };
  const rowCount = (y: number, x0: number, x1: number) => {
    let c = 0;
    for (let x = x0; x < x1; x++) if (ids[y * w + x] >= 0) c++;
    return c;
  };
  const colCount = (x: number, y0: number, y1: number) => {
    let c = 0;
    for (let y = y0; y < y1; y++) if (ids[y * w + x] >= 0) c++;
    return c;
  };
  /** The line within the middle third with the fewest unknowns (the middle on ties). */
  const cut = (a: number, b: number, count: (t: number) => number) => {
    const mid = (a + b) >> 1, reach = Math.floor((b - a) / 6);
    let best = mid, fewest = count(mid);
    for (let d = 1; d <= reach && fewest > 0; d++) {
      for (const t of [mid - d, mid + d]) {
        const c = count(t);
        if (c < fewest) (fewest = c), (best = t);
      }
    }
    return best;
  };
  const dissect = (y0: number, y1: number, x0: number, x1: number): void => {
    if ((y1 - y0) * (x1 - x0) <= 16) return take(y0, y1, x0, x1);
    if (y1 - y0 >= x1 - x0) {
      const mid = cut(y0, y1, (y) => rowCount(y, x0, x1));
      dissect(y0, mid, x0, x1);
      dissect(mid + 1, y1, x0, x1);
      take(mid, mid + 1, x0, x1);
    } else {
      const mid = cut(x0, x1, (x) => colCount(x, y0, y1));
      dissect(y0, y1, x0, mid);
      dissect(y0, y1, mid + 1, x1);
      take(y0, y1, mid, mid + 1);
    }
  };
  dissect(0, h, 0, w);
  return order;
}

export interface Factor {
  n: number;
  /** Column j of L: rows Li[Lp[j] .. Lp[j+1]), the diagonal first. */
  Lp: Int32Array;
  Li: Int32Array;
  Lx: Float64Array;
}

/** L L^T = P A P^T with P from `order` (A as couplings: diag minus the off-diagonal weights). */
export function choleskyFactor(a: Couplings, order: Int32Array): Factor {
  const n = a.m;
  const inv = new Int32Array(n);
  for (let k = 0; k < n; k++) inv[order[k]] = k;
  // upper triangle of P A P^T by columns (rows i < k), diagonal apart
  const Ap = new Int32Array(n + 1);
  const count = (v: number, lo: Int32Array, start: Int32Array) => {
    for (let k = start[v]; k < start[v + 1]; k++) Ap[Math.max(inv[v], inv[lo[k]]) + 1]++;
  };
  for (let v = 0; v < n; v++) count(v, a.lo, a.loStart);
  for (let k = 0; k < n; k++) Ap[k + 1] += Ap[k];
  const Ai = new Int32Array(Ap[n]), Ax = new Float64Array(Ap[n]), fill = Ap.slice(0, n);
  for (let v = 0; v < n; v++) {
    for (let k = a.loStart[v]; k < a.loStart[v + 1]; k++) {
      const p = inv[v], q = inv[a.lo[k]], col = Math.max(p, q), at = fill[col]++;
      Ai[at] = Math.min(p, q);
      Ax[at] = -a.loW[k];
    }
  }
  // elimination tree
  const parent = new Int32Array(n).fill(-1), ancestor = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    for (let p = Ap[k]; p < Ap[k + 1]; p++) {
      for (let i = Ai[p]; i !== -1 && i < k; ) {
        const up = ancestor[i];
        ancestor[i] = k;
        if (up === -1) parent[i] = k;
        i = up;
      }
    }
  }
  // pattern of row k of L: s[top .. n), reached from A's column k up the tree
  const s = new Int32Array(n), mark = new Int32Array(n).fill(-1);
  const reach = (k: number) => {
    let top = n;
    mark[k] = k;
    for (let p = Ap[k]; p < Ap[k + 1]; p++) {
      let len = 0;
      for (let i = Ai[p]; mark[i] !== k; i = parent[i]) (s[len++] = i), (mark[i] = k);
      while (len > 0) s[--top] = s[--len];
    }
    return top;
  };
  const Lp = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    Lp[k + 1]++;
    for (let t = reach(k); t < n; t++) Lp[s[t] + 1]++;
  }
  for (let k = 0; k < n; k++) Lp[k + 1] += Lp[k];
  mark.fill(-1);
  const Li = new Int32Array(Lp[n]), Lx = new Float64Array(Lp[n]), c = Lp.slice(0, n), x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let top = reach(k);
    for (let p = Ap[k]; p < Ap[k + 1]; p++) x[Ai[p]] = Ax[p];
    let d = a.diag[order[k]];
    for (; top < n; top++) {
      const i = s[top], first = Lp[i], end = c[i], lki = x[i] / Lx[first];
      x[i] = 0;
      for (let p = first + 1; p < end; p++) x[Li[p]] -= Lx[p] * lki;
      d -= lki * lki;
      Li[end] = k;
      Lx[end] = lki;
      c[i] = end + 1;
    }
    if (!(d > 0)) throw new Error(`the imputation system is not positive definite (pivot ${d} at unknown ${order[k]}): is every position removed?`);
    const p = c[k]++;
    Li[p] = k;
    Lx[p] = Math.sqrt(d);
  }
  return { n, Lp, Li, Lx };
}

/** Solve A X = B for C right-hand sides interleaved by unknown (b[v * C + c]), given L of P A P^T. */
export function choleskySolve(f: Factor, order: Int32Array, b: Float64Array, C: number): Float64Array {
  const { n, Lp, Li, Lx } = f;
  const y = new Float64Array(n * C);
  for (let k = 0; k < n; k++) for (let c = 0; c < C; c++) y[k * C + c] = b[order[k] * C + c];
  for (let j = 0; j < n; j++) {
    const d = Lx[Lp[j]];
    for (let c = 0; c < C; c++) {
      const v = (y[j * C + c] /= d);
      if (v !== 0) for (let p = Lp[j] + 1; p < Lp[j + 1]; p++) y[Li[p] * C + c] -= Lx[p] * v;
    }
  }
  for (let j = n - 1; j >= 0; j--) {
    for (let c = 0; c < C; c++) {
      let s = y[j * C + c];
      for (let p = Lp[j] + 1; p < Lp[j + 1]; p++) s -= Lx[p] * y[Li[p] * C + c];
      y[j * C + c] = s / Lx[Lp[j]];
    }
  }
  const out = new Float64Array(n * C);
  for (let k = 0; k < n; k++) for (let c = 0; c < C; c++) out[order[k] * C + c] = y[k * C + c];
  return out;
}
