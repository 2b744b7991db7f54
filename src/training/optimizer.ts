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
  weights.forEach((w, k) => {
    const g = gradients[k];
    const m = state.m[k];
    const v = state.v[k];
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= o.learningRate * ((m[i] / c1) / (Math.sqrt(v[i] / c2) + eps) + decay * w[i]);
    }
  });
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
