/**
 * The mask regularisers of the I-GOS family, with their gradients, as the reference code
 * defines them (khorrams/IGOS_pp, methods_helper.py): an L1 term pulling the mask to 1
 * (nothing deleted), total variation on the coarse mask, and I-GOS++'s bilateral TV that
 * also smooths the upsampled mask where neighbouring pixels have similar colours.
 */
import type { Geometry } from '../../metrics/features.js';
import type { Upsampler } from './upsample.js';

export interface Penalty {
  value: number;
  /** Gradient with respect to the coarse mask. */
  grad: Float64Array;
}

/** l1 * mean |1 - m| (the sign at m = 1 is 0, as autograd's). */
export function l1Penalty(m: Float64Array, l1: number): Penalty {
  const n = m.length;
  const grad = new Float64Array(n);
  let value = 0;
  for (let i = 0; i < n; i++) {
    const d = 1 - m[i];
    value += Math.abs(d);
    grad[i] = (-l1 * Math.sign(d)) / n;
  }
  return { value: (l1 * value) / n, grad };
}

/**
 * Anisotropic TV of a [rows, cols] map: mean |vertical differences|^beta + mean |horizontal
 * differences|^beta, each difference optionally weighted; gradient added into `grad` times `scale`.
 */
function tvInto(m: ArrayLike<number>, rows: number, cols: number, beta: number, grad: Float64Array, scale: number, wv?: Float64Array, wh?: Float64Array): number {
  let v = 0, h = 0;
  const nv = (rows - 1) * cols, nh = rows * (cols - 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (r + 1 < rows && nv > 0) {
        const d = m[i] - m[i + cols];
        const w = wv ? wv[i] : 1;
        v += w * Math.abs(d) ** beta;
        const gd = (scale * w * beta * Math.abs(d) ** (beta - 1) * Math.sign(d)) / nv;
        grad[i] += gd;
        grad[i + cols] -= gd;
      }
      if (c + 1 < cols && nh > 0) {
        const d = m[i] - m[i + 1];
        const w = wh ? wh[r * (cols - 1) + c] : 1;
        h += w * Math.abs(d) ** beta;
        const gd = (scale * w * beta * Math.abs(d) ** (beta - 1) * Math.sign(d)) / nh;
        grad[i] += gd;
        grad[i + 1] -= gd;
      }
    }
  }
  return (nv > 0 ? v / nv : 0) + (nh > 0 ? h / nh : 0);
}

/** weight * TV(m) on the coarse mask (I-GOS, Meaningful Perturbation). */
export function tvPenalty(m: Float64Array, rows: number, cols: number, weight: number, beta = 2): Penalty {
  const grad = new Float64Array(m.length);
  const value = tvInto(m, rows, cols, beta, grad, weight);
  return { value: weight * value, grad };
}

/** Colour-similarity weights of vertical and horizontal neighbours (computed once per image). */
export interface BilateralWeights {
  vertical: Float64Array;
  horizontal: Float64Array;
}

/**
 * The reference's weights: vertical exp(-(mean_c dI)^2 / sigma) (channel mean inside),
 * horizontal mean_c exp(-(dI)^2 / sigma) (channel mean outside), in model units.
 */
export function bilateralWeights(image: Float32Array, g: Geometry, sigma: number): BilateralWeights {
  const [h, w] = g.hw;
  const vertical = new Float64Array(h * w), horizontal = new Float64Array(h * (w - 1));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (y + 1 < h) {
        let d = 0;
        for (let c = 0; c < g.channels; c++) d += image[g.element(p, c)] - image[g.element(p + w, c)];
        d /= g.channels;
        vertical[p] = Math.exp(-(d * d) / sigma);
      }
      if (x + 1 < w) {
        let s = 0;
        for (let c = 0; c < g.channels; c++) {
          const d = image[g.element(p, c)] - image[g.element(p + 1, c)];
          s += Math.exp(-(d * d) / sigma);
        }
        horizontal[y * (w - 1) + x] = s / g.channels;
      }
    }
  }
  return { vertical, horizontal };
}

/** weight * 0.5 (TV(m) + bilateral TV(upsampled m)) (I-GOS++). */
export function bilateralTvPenalty(m: Float64Array, up: Upsampler, weights: BilateralWeights, weight: number, beta = 2): Penalty {
  const grad = new Float64Array(m.length);
  const coarse = tvInto(m, up.rows, up.cols, beta, grad, 0.5 * weight);
  const u = up.up(m);
  const gu = new Float64Array(u.length);
  const fine = tvInto(u, up.h, up.w, beta, gu, 0.5 * weight, weights.vertical, weights.horizontal);
  const back = up.down(gu);
  for (let i = 0; i < grad.length; i++) grad[i] += back[i];
  return { value: 0.5 * weight * (coarse + fine), grad };
}

export function addPenalties(...ps: Penalty[]): Penalty {
  const grad = new Float64Array(ps[0].grad.length);
  let value = 0;
  for (const p of ps) {
    value += p.value;
    for (let i = 0; i < grad.length; i++) grad[i] += p.grad[i];
  }
  return { value, grad };
}
