/**
 * Attention rollout (Abnar & Zuidema 2020) and gradient-weighted rollout (Chefer, Gur & Wolf
 * 2021, "Generic attention-model explainability"), on the token matrices of one input:
 *
 *   rollout:  R = Â_L ... Â_1,  Â = row-normalise(fuse_heads(A) + I)
 *   chefer:   R = I;  for each layer R <- R + mean_h[(dY/dA ⊙ A)^+] R
 *
 * The map is the class token's row of R over the patch tokens (or the mean row without a
 * class token), as a grid.
 */
import type { TokenLayout } from './attention.js';

export type HeadFusion = 'mean' | 'max' | 'min';

function fuse(src: Float32Array, at: number, L: TokenLayout, fusion: HeadFusion, into: Float64Array, grad?: Float32Array): void {
  const tt = L.tokens * L.tokens;
  for (let p = 0; p < tt; p++) {
    let acc = fusion === 'mean' ? 0 : fusion === 'max' ? -Infinity : Infinity;
    for (let h = 0; h < L.heads; h++) {
      const k = at + h * tt + p;
      const v = grad ? Math.max(0, grad[k] * src[k]) : src[k];
      acc = fusion === 'mean' ? acc + v : fusion === 'max' ? Math.max(acc, v) : Math.min(acc, v);
    }
    into[p] = fusion === 'mean' ? acc / L.heads : acc;
  }
}

function matmul(a: Float64Array, b: Float64Array, t: number): Float64Array {
  const out = new Float64Array(t * t);
  for (let i = 0; i < t; i++) {
    for (let k = 0; k < t; k++) {
      const aik = a[i * t + k];
      if (aik === 0) continue;
      for (let j = 0; j < t; j++) out[i * t + j] += aik * b[k * t + j];
    }
  }
  return out;
}

function identity(t: number): Float64Array {
  const r = new Float64Array(t * t);
  for (let i = 0; i < t; i++) r[i * t + i] = 1;
  return r;
}

/** Relevance matrix R (T x T) of input e: rollout of the maps, or Chefer's when grads are given. */
export function relevance(maps: Float32Array[], e: number, L: TokenLayout, fusion: HeadFusion, grads?: Float32Array[]): Float64Array {
  const t = L.tokens;
  const at = e * L.heads * t * t;
  let r = identity(t);
  const a = new Float64Array(t * t);
  maps.forEach((m, k) => {
    fuse(m, at, L, fusion, a, grads?.[k]);
    if (grads) {
      const add = matmul(a, r, t);
      for (let i = 0; i < r.length; i++) r[i] += add[i];
      return;
    }
    for (let i = 0; i < t; i++) {
      a[i * t + i] += 1;
      let s = 0;
      for (let j = 0; j < t; j++) s += a[i * t + j];
      for (let j = 0; j < t; j++) a[i * t + j] /= s;
    }
    r = matmul(a, r, t);
  });
  return r;
}

/** The explained row of R over the patch tokens: a grid x grid map. */
export function tokenMap(r: Float64Array, L: TokenLayout): Float32Array {
  const t = L.tokens;
  const first = L.classToken === 0 ? 1 : 0;
  const out = new Float32Array(L.grid * L.grid);
  for (let j = 0; j < out.length; j++) {
    if (L.classToken >= 0) out[j] = r[L.classToken * t + first + j];
    else {
      let s = 0;
      for (let i = 0; i < t; i++) s += r[i * t + j];
      out[j] = s / t;
    }
  }
  return out;
}
