import test from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen, weightedLeastSquares } from './leastSquares.js';

test('Jacobi eigen decomposition reconstructs a symmetric matrix', () => {
  const n = 5;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = Math.sin(i * 3 + j * 1.7) + (i === j ? 2 : 0);
  const { values, vectors } = symmetricEigen(m, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let e = 0; e < n; e++) s += vectors[i * n + e] * values[e] * vectors[j * n + e];
      assert.ok(Math.abs(s - m[i * n + j]) < 1e-12);
    }
});

test('weighted least squares recovers an exact linear relation; ridge shrinks; singular systems give the minimum-norm fit', () => {
  const k = 3;
  const z = [0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0];
  const y = [0, 1, 2, 3, 4, 5].map((r) => 0.5 + 2 * z[r * k] - 1 * z[r * k + 1] + 4 * z[r * k + 2]);
  const w = [1, 2, 3, 1, 5, 0.5];
  const fit = weightedLeastSquares(z, y, w, k);
  [2, -1, 4].forEach((c, i) => assert.ok(Math.abs(fit.coefficients[i] - c) < 1e-10));
  assert.ok(Math.abs(fit.intercept - 0.5) < 1e-10);
  const shrunk = weightedLeastSquares(z, y, w, k, 10);
  assert.ok(Math.hypot(...shrunk.coefficients) < Math.hypot(2, -1, 4));
  // two identical columns: the fit splits their effect equally (minimum norm)
  const z2 = [0, 0, 1, 1, 0, 0, 1, 1];
  const y2 = [1, 7, 1, 7];
  const f2 = weightedLeastSquares(z2, y2, [1, 1, 1, 1], 2);
  assert.ok(Math.abs(f2.coefficients[0] - 3) < 1e-9 && Math.abs(f2.coefficients[1] - 3) < 1e-9, `${f2.coefficients}`);
});
