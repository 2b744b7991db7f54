/**
 * Quadrature rules for path integrals over alpha in [0, 1]: a rule gives alphas and
 * weights, the integral is sum_k w_k g(alpha_k). Kept apart from Integrated Gradients
 * (Captum's idea) and computed exactly as Captum v0.8.0 does
 * (captum/attr/_utils/approximation_methods.py), so attributions agree:
 *
 * - Riemann rules: weights 1/n (trapezoid: ends halved); alphas from torch.linspace in
 *   float32. linspace's own arithmetic is reproduced bit for bit (ATen's CPU kernel as
 *   built with AVX2: start + step * i, or end - step * (n - 1 - i) past the halfway
 *   point, fused multiply-adds, and within blocks of 16 the lanes base + k * step).
 * - Gauss-Legendre: numpy.polynomial.legendre.leggauss(n) mapped from [-1, 1] to
 *   [0, 1] (float64), computed in gaussLegendre.ts in O(n) (16k nodes in ~10 ms).
 *
 * Beware Captum's 'riemann_trapezoid': its alphas are linspace(0, 1, n) (spacing
 * 1 / (n - 1)) but its weights are 1/n with the ends halved, so they sum to (n - 1)/n
 * and every integral comes out scaled by (n - 1)/n (a linear model's IG is 2% short at
 * 50 steps; the completeness delta shows it). It is kept as Captum has it, so numbers
 * agree; 'trapezoid' is the textbook rule on the same alphas (weights 1/(n - 1), ends
 * halved), exact for linear paths.
 */

import { legendreGauss } from './gaussLegendre.js';

export { legendreGauss } from './gaussLegendre.js';

export type QuadratureName = 'riemann_left' | 'riemann_right' | 'riemann_middle' | 'riemann_trapezoid' | 'gausslegendre' | 'trapezoid';

/** Captum's five rules (the same names and numbers as captum.attr IntegratedGradients' `method`). */
export const QUADRATURES: readonly QuadratureName[] = [
  'riemann_left',
  'riemann_right',
  'riemann_middle',
  'riemann_trapezoid',
  'gausslegendre',
];

export interface Quadrature {
  alphas: number[];
  weights: number[];
}

const f32 = Math.fround;

/** torch.linspace(start, end, n) in float32 on CPU, bit for bit. */
export function torchLinspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [f32(start)];
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / f32(n - 1));
  const half = Math.floor(n / 2);
  // Product of a float32 and a small integer is exact in a double: one rounding = fma.
  const scalar = (i: number) => (i < half ? f32(step * i + s) : f32(-step * (n - i - 1) + e));
  const out = new Array<number>(n);
  const vectorEnd = Math.floor(n / 16) * 16;
  for (let b = 0; b < vectorEnd; b += 8) {
    const base = scalar(b);
    for (let k = 0; k < 8; k++) out[b + k] = f32(base + f32(k * step));
  }
  for (let i = vectorEnd; i < n; i++) out[i] = scalar(i);
  return out;
}

/** Alphas and weights of a rule with n points (n >= 2 for Riemann rules, as Captum asserts). */
export function quadrature(name: QuadratureName, n: number): Quadrature {
  if (!Number.isInteger(n) || n < 1) throw new Error(`the number of steps must be a positive integer, got ${n}`);
  if (name === 'gausslegendre') {
    const { nodes, weights } = legendreGauss(n);
    return { alphas: nodes.map((v) => 0.5 * (1 + v)), weights: weights.map((v) => 0.5 * v) };
  }
  if (n < 2) throw new Error(`${name} needs at least 2 steps (as Captum)`);
  const weights = new Array<number>(n).fill(1 / n);
  let alphas: number[];
  switch (name) {
    case 'trapezoid':
      weights.fill(1 / (n - 1));
      weights[0] /= 2;
      weights[n - 1] /= 2;
      alphas = torchLinspace(0, 1, n);
      break;
    case 'riemann_trapezoid':
      weights[0] /= 2;
      weights[n - 1] /= 2;
      alphas = torchLinspace(0, 1, n);
      break;
    case 'riemann_left':
      alphas = torchLinspace(0, 1 - 1 / n, n);
      break;
    case 'riemann_middle':
      alphas = torchLinspace(1 / (2 * n), 1 - 1 / (2 * n), n);
      break;
    case 'riemann_right':
      alphas = torchLinspace(1 / n, 1, n);
      break;
    default:
      throw new Error(`unknown quadrature '${name as string}'; known: ${QUADRATURES.join(', ')}, trapezoid`);
  }
  return { alphas, weights };
}
