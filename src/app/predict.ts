/**
 * The model's predictions for a batch: every input's classes ranked, with labels and
 * probabilities (softmax of the outputs, or the outputs themselves when the model
 * already ends in a softmax).
 */
import type { Model } from '../engine/model.js';
import { sizeOfShape } from '../engine/model.js';
import { softmax } from '../engine/numeric.js';

export interface Prediction {
  class: number;
  label: string;
  logit: number;
  /** Softmax of the output (or the output itself when the model already outputs probabilities). */
  probability: number;
}

/** Whether each example's outputs already are probabilities (a softmax inside the model). */
function looksLikeProbabilities(out: Float32Array, n: number, k: number): boolean {
  if (k < 2) return false;
  for (let e = 0; e < n; e++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = out[e * k + j];
      if (!(v >= 0 && v <= 1)) return false;
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

/** Every input's outputs and its classes ranked (top `keep`), with labels. */
export async function predict(model: Model, batch: Float32Array, labels: readonly string[] | undefined, keep = 5): Promise<{ logits: Float32Array; ranked: Prediction[][] }> {
  const k = sizeOfShape(model.outputShape);
  const n = batch.length / sizeOfShape(model.inputShape);
  const logits = (await model.run(batch, { outputs: ['logits'] }))['logits'];
  const already = looksLikeProbabilities(logits, n, k);
  const ranked: Prediction[][] = [];
  for (let e = 0; e < n; e++) {
    const row = logits.subarray(e * k, (e + 1) * k);
    const p = softmax(row);
    const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => row[b] - row[a] || a - b);
    ranked.push(
      order.slice(0, keep).map((c) => ({
        class: c,
        label: labels?.[c] ?? `class ${c}`,
        logit: row[c],
        probability: k === 1 ? row[c] : already ? row[c] : p[c],
      })),
    );
  }
  return { logits, ranked };
}

