/** Test helpers for the perturbation methods (not part of the public API). */
import { functionModel, type FunctionModel } from '../../engine/function.js';

/** f(x) = W x + b on inputs of `shape` (k outputs), as a plain-function model. */
export function linearImageModel(shape: number[], k: number, batchSize = 16): { model: FunctionModel; weights: Float64Array[] } {
  const size = shape.reduce((a, b) => a * b, 1);
  const weights = Array.from({ length: k }, (_, r) => Float64Array.from({ length: size }, (_, i) => Math.sin(i * 0.73 + r * 1.9 + 0.4)));
  const model = functionModel({
    inputShape: shape,
    outputShape: [k],
    batchSize,
    forward: (x) => weights.map((w, r) => w.reduce((s, wi, i) => s + wi * x[i], 0.1 * r)),
  });
  return { model, weights };
}

/** Round-trip check helper: same array values. */
export function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i])));
}

/** A nonlinear function of 6 inputs with interactions (products, max, sin). */
export function interactions6(x: ArrayLike<number>): number {
  return x[0] * x[1] + Math.max(x[2], x[3]) + Math.sin(x[4]) * x[5] + 0.5 * x[5] - 0.3 * x[0];
}

export function interactionModel(batchSize = 16) {
  return functionModel({ inputShape: [1, 6], outputShape: [1], batchSize, forward: (x) => [interactions6(x)] });
}

/** Exact Shapley values of v(S) = f(x on S, baseline elsewhere), by enumerating the 2^M subsets. */
export function exactShapley(f: (x: Float64Array) => number, x: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const m = x.length;
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const value = (set: number) => f(Float64Array.from({ length: m }, (_, i) => ((set >> i) & 1 ? x[i] : b[i])));
  const phi = new Float64Array(m);
  for (let set = 0; set < 1 << m; set++) {
    let size = 0;
    for (let i = 0; i < m; i++) size += (set >> i) & 1;
    const vs = value(set);
    for (let i = 0; i < m; i++) {
      if ((set >> i) & 1) continue;
      phi[i] += ((fact(size) * fact(m - size - 1)) / fact(m)) * (value(set | (1 << i)) - vs);
    }
  }
  return phi;
}

/** Every permutation of 0..m-1. */
export function allPermutations(m: number): number[][] {
  if (m === 0) return [[]];
  return allPermutations(m - 1).flatMap((p) => Array.from({ length: m }, (_, at) => [...p.slice(0, at), m - 1, ...p.slice(at)]));
}
