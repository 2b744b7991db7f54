/**
 * Weighted (ridge) least squares with an intercept, the surrogate fit of KernelSHAP and
 * LIME, as scikit-learn's LinearRegression / Ridge with sample_weight: centre the design
 * and the targets by their weighted means, solve (Zc' W Zc + ridge I) c = Zc' W yc, and
 * intercept = mean(y) - mean(z) . c. The symmetric system is solved through its eigen
 * decomposition (cyclic Jacobi, float64), giving the minimum-norm solution when it is
 * singular (fewer samples than features), as lstsq does.
 */

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major n x n) of a symmetric matrix. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-32 * scale) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}

export interface LinearFit {
  coefficients: Float64Array;
  intercept: number;
}

/**
 * Fit y ~ intercept + z . c with sample weights w and an L2 penalty `ridge` on c.
 * z holds `rows` rows of k values (row-major).
 */
export function weightedLeastSquares(z: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number>, k: number, ridge = 0): LinearFit {
  const rows = y.length;
  let sw = 0;
  let ym = 0;
  const zm = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    sw += w[r];
    ym += w[r] * y[r];
    for (let j = 0; j < k; j++) zm[j] += w[r] * z[r * k + j];
  }
  if (!(sw > 0)) throw new Error('weighted least squares needs a positive total weight');
  ym /= sw;
  for (let j = 0; j < k; j++) zm[j] /= sw;
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  const zc = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) zc[j] = z[r * k + j] - zm[j];
    const yc = y[r] - ym;
    for (let i = 0; i < k; i++) {
      if (zc[i] === 0) continue;
      const wi = w[r] * zc[i];
      b[i] += wi * yc;
      for (let j = i; j < k; j++) a[i * k + j] += wi * zc[j];
    }
  }
  for (let i = 0; i < k; i++) {
    a[i * k + i] += ridge;
    for (let j = 0; j < i; j++) a[i * k + j] = a[j * k + i];
  }
  const { values, vectors } = symmetricEigen(a, k);
  const top = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const c = new Float64Array(k);
  for (let e = 0; e < k; e++) {
    if (!(values[e] > 1e-10 * top)) continue; // null direction: the minimum-norm solution leaves it out
    let proj = 0;
    for (let i = 0; i < k; i++) proj += vectors[i * k + e] * b[i];
    proj /= values[e];
    for (let i = 0; i < k; i++) c[i] += proj * vectors[i * k + e];
  }
  let intercept = ym;
  for (let j = 0; j < k; j++) intercept -= zm[j] * c[j];
  return { coefficients: c, intercept };
}
