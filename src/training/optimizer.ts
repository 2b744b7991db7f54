/** Adam (Kingma & Ba) on Float32Array parameters, in TypeScript: deterministic and checkpointable. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

export function adamState(sizes: readonly number[]): AdamState {
  return { step: 0, m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)) };
}

/** One Adam update of `weights` (in place) from `gradients`; decoupled weight decay (AdamW) when set. */
export function adamUpdate(weights: Float32Array[], gradients: Float32Array[], state: AdamState, o: AdamOptions): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.epsilon ?? 1e-8;
  const decay = o.weightDecay ?? 0;
  state.step++;
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  const [a1, a2, lr] = [1 - b1, 1 - b2, o.learningRate];
  // the same float64 expressions as m[i] = ...; v[i] = ...; w[i] -= ... with the stored float32
  // values (Math.fround) read back from locals: identical results, fewer typed-array loads
  for (let k = 0; k < weights.length; k++) {
    const [w, g, m, v] = [weights[k], gradients[k], state.m[k], state.v[k]];
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      const mi = Math.fround(b1 * m[i] + a1 * gi);
      const vi = Math.fround(b2 * v[i] + a2 * gi * gi);
      m[i] = mi;
      v[i] = vi;
      const wi = w[i];
      w[i] = wi - lr * ((mi / c1) / (Math.sqrt(vi / c2) + eps) + decay * wi);
    }
  }
}

export interface SgdOptions {
  learningRate: number;
  /** Heavy-ball momentum (PyTorch's SGD: v = momentum * v + g; w -= lr * v). Default 0.9. */
  momentum?: number;
  /** L2 penalty added to the gradient (PyTorch's weight_decay). */
  weightDecay?: number;
}

/** One SGD-with-momentum update of `weights` (in place); the velocity lives in `state.m` (state.v unused). */
export function sgdUpdate(weights: Float32Array[], gradients: Float32Array[], state: AdamState, o: SgdOptions): void {
  const mu = o.momentum ?? 0.9;
  const decay = o.weightDecay ?? 0;
  state.step++;
  weights.forEach((w, k) => {
    const g = gradients[k];
    const v = state.m[k];
    for (let i = 0; i < w.length; i++) {
      v[i] = mu * v[i] + g[i] + decay * w[i];
      w[i] -= o.learningRate * v[i];
    }
  });
}
