/**
 * Eigen-CAM (Muhammad & Yeasin 2020): the projection of the layer's activations onto
 * their first principal component, gradient-free and class-agnostic. As pytorch-grad-cam:
 * the activations X [hw, C] are centred per channel, the map is X v with v the first right
 * singular vector. SVD leaves the sign of v open (pytorch-grad-cam keeps LAPACK's); here it
 * is fixed so the map correlates positively with the summed activations sum_c A_c
 * (salient = strongly activated), so maps are reproducible across libraries.
 */
import type { Model } from '../../engine/model.js';
import { defineMethod } from '../descriptor.js';
import { CAM_OPTIONS, camOptionsFrom, runCam, type CamAttribution, type CamOptions, type LayerValues } from './pipeline.js';

/** Top eigenvector of a symmetric positive semi-definite k x k matrix (power iteration). */
function topEigenvector(m: Float64Array, k: number): Float64Array {
  let v = Float64Array.from({ length: k }, (_, i) => 1 + 0.01 * Math.sin(i + 1));
  for (let it = 0; it < 10000; it++) {
    const next = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += m[i * k + j] * v[j];
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    if (norm === 0) return next;
    let change = 0;
    for (let i = 0; i < k; i++) {
      next[i] /= norm;
      change = Math.max(change, Math.abs(next[i] - v[i]));
    }
    v = next;
    if (change < 1e-13) break;
  }
  return v;
}

/** First-principal-component projection of one example's channel-first activations [C, hw]. */
export function principalProjection(acts: Float32Array, C: number, hw: number): Float64Array {
  const x = new Float64Array(C * hw);
  for (let c = 0; c < C; c++) {
    let mean = 0;
    for (let p = 0; p < hw; p++) mean += acts[c * hw + p];
    mean /= hw;
    for (let p = 0; p < hw; p++) x[c * hw + p] = acts[c * hw + p] - mean;
  }
  // X is [hw, C] (x holds its transpose). The projection X v = sigma u, u the top
  // eigenvector of X X^T (hw x hw), or X v with v that of X^T X (C x C): use the smaller.
  let proj: Float64Array;
  if (hw <= C) {
    const g = new Float64Array(hw * hw);
    for (let c = 0; c < C; c++) {
      const row = c * hw;
      for (let p = 0; p < hw; p++) for (let q = p; q < hw; q++) g[p * hw + q] += x[row + p] * x[row + q];
    }
    for (let p = 0; p < hw; p++) for (let q = 0; q < p; q++) g[p * hw + q] = g[q * hw + p];
    const u = topEigenvector(g, hw);
    // sigma u = X X^T u / sigma; X^T u = v sigma, so X v = X (X^T u) / |X^T u|
    const xtu = new Float64Array(C);
    for (let c = 0; c < C; c++) for (let p = 0; p < hw; p++) xtu[c] += x[c * hw + p] * u[p];
    const sigma = Math.hypot(...xtu);
    proj = u.map((ui) => ui * sigma);
  } else {
    const g = new Float64Array(C * C);
    for (let a = 0; a < C; a++) for (let b = a; b < C; b++) {
      let s = 0;
      for (let p = 0; p < hw; p++) s += x[a * hw + p] * x[b * hw + p];
      g[a * C + b] = g[b * C + a] = s;
    }
    const v = topEigenvector(g, C);
    proj = new Float64Array(hw);
    for (let c = 0; c < C; c++) for (let p = 0; p < hw; p++) proj[p] += x[c * hw + p] * v[c];
  }
  let corr = 0;
  for (let p = 0; p < hw; p++) {
    let total = 0;
    for (let c = 0; c < C; c++) total += acts[c * hw + p];
    corr += proj[p] * total;
  }
  if (corr < 0) proj = proj.map((v) => -v);
  return proj;
}

export function eigenMap(lv: LayerValues): Float32Array {
  const { channels: C, height: h, width: w } = lv.layer;
  const hw = h * w;
  const out = new Float32Array(lv.n * hw);
  for (let e = 0; e < lv.n; e++) out.set(principalProjection(lv.acts.subarray(e * C * hw, (e + 1) * C * hw), C, hw), e * hw);
  return out;
}

export function eigenCam(model: Model, input: Float32Array, options: CamOptions = {}): Promise<CamAttribution> {
  return runCam(model, input, options, { method: 'eigenCam', gradients: false, map: eigenMap });
}

export const descriptor = defineMethod({
  name: 'eigencam',
  aliases: ['eigen-cam'],
  title: 'Eigen-CAM',
  family: 'cam',
  summary: 'Projection of the layer activations on their first principal component; class-agnostic (Muhammad & Yeasin 2020)',
  needs: { gradients: false, layer: true },
  options: CAM_OPTIONS,
  random: false,
  cost: (n) => n,
  run: (model, input, o, ctx) => eigenCam(model, input, camOptionsFrom(o, ctx)),
  order: 70,
});
