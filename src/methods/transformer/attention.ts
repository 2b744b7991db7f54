/**
 * Attention maps as taps: the softmax outputs of the attention blocks, found by pattern in the
 * graph (a Softmax whose output is the left operand of a MatMul: softmax(QK^T) V), read for
 * a batch of inputs together with the target's gradient at them.
 */
import type { Model } from '../../engine/model.js';
import type { Graph } from '../../graph/ir.js';
import { remapTarget, type Runner } from '../runner.js';

const PASS_THROUGH = new Set(['Dropout', 'Identity', 'Cast']);

/** Tensor names of the attention maps, in graph order. */
export function findAttentionTaps(model: Model): string[] {
  const graph = (model as { graph?: Graph }).graph;
  if (graph) {
    const consumers = new Map<string, typeof graph.nodes>();
    for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
    // through ops that pass values on unchanged at inference (torchvision's Swin: Softmax -> Dropout -> MatMul)
    const feedsMatMul = (tensor: string, depth = 0): boolean =>
      (consumers.get(tensor) ?? []).some((c) => (c.opType === 'MatMul' && c.inputs[0] === tensor) || (depth < 3 && PASS_THROUGH.has(c.opType) && feedsMatMul(c.outputs[0], depth + 1)));
    return graph.nodes.filter((n) => n.opType === 'Softmax' && feedsMatMul(n.outputs[0])).map((n) => n.outputs[0]);
  }
  return model.inspect().taps.filter((t) => t.opType === 'Softmax' && t.shape.length >= 2 && t.shape[t.shape.length - 1] === t.shape[t.shape.length - 2]).map((t) => t.name);
}

/** Token layout of global attention maps: heads, tokens, and where the patch grid sits. */
export interface TokenLayout {
  heads: number;
  tokens: number;
  /** Index of the class token (its row is the query explained), or -1: no class token (rows averaged). */
  classToken: number;
  /** Patch grid side: tokens = grid^2 (+1 with a class token). */
  grid: number;
}

export function tokenLayout(name: string, perExample: number, shape: readonly number[]): TokenLayout {
  const tokens = shape[shape.length - 1];
  const heads = perExample / (tokens * tokens);
  if (!Number.isInteger(heads) || heads < 1 || shape[shape.length - 2] !== tokens) {
    throw new Error(`attention map ${name} is not [heads, tokens, tokens] per input (shape [${shape.join(', ')}])`);
  }
  // [batch * heads, T, T] (nn.MultiheadAttention's export) reads as [T, T] per input: the rest are heads;
  // [batch * windows, heads, T, T] (Swin) reads as [heads, T, T] with more values per input: windows
  const model = shape.length >= 3 ? shape.slice(0, -2).reduce((a, b) => a * b, 1) : heads;
  if (model !== heads) {
    throw new Error(`attention map ${name} holds ${heads / model} windows per input (window attention, as in Swin): rollout needs global attention over all tokens (ViT, DeiT); use a CAM with the token-to-grid reshape instead`);
  }
  const g0 = Math.round(Math.sqrt(tokens));
  if (g0 * g0 === tokens) return { heads, tokens, classToken: -1, grid: g0 };
  const g1 = Math.round(Math.sqrt(tokens - 1));
  if (g1 * g1 === tokens - 1) return { heads, tokens, classToken: 0, grid: g1 };
  throw new Error(`attention map ${name} has ${tokens} tokens: neither a square grid nor a class token plus a square grid`);
}

export interface AttentionValues {
  taps: string[];
  layout: TokenLayout;
  /** Per tap: [n, heads, T, T]. */
  maps: Float32Array[];
  /** Per tap: the target's gradient at the map, when asked. */
  grads?: Float32Array[];
  /** Target value per input. */
  values: Float32Array;
}

/** Attention maps (and the target's gradients at them) of n inputs, one model.run per batch. */
export async function attentionPass(runner: Runner, input: Float32Array, taps: string[], gradients: boolean): Promise<AttentionValues> {
  if (taps.length === 0) throw new Error('the model has no attention maps (no Softmax feeding a MatMul): name them with the `attention` option');
  const n = input.length / runner.per;
  let layout: TokenLayout | undefined;
  let maps: Float32Array[] = [];
  let grads: Float32Array[] | undefined;
  const values = new Float32Array(n);
  for (let start = 0; start < n; start += runner.batch) {
    const m = Math.min(runner.batch, n - start);
    const t0 = performance.now();
    const r = await runner.model.run(input.subarray(start * runner.per, (start + m) * runner.per), {
      outputs: [...taps, 'logits'],
      ...(gradients ? { gradients: { seed: remapTarget(runner.target, (i) => start + i), wrt: taps } } : {}),
    });
    runner.timings.modelMs += performance.now() - t0;
    runner.timings.modelCalls++;
    if (gradients) runner.timings.backwardExamples += m;
    else runner.timings.forwardExamples += m;
    if (!layout) {
      layout = tokenLayout(taps[0], r[taps[0]].length / m, runner.model.shapeOf(taps[0]));
      const size = n * layout.heads * layout.tokens * layout.tokens;
      maps = taps.map(() => new Float32Array(size));
      if (gradients) grads = taps.map(() => new Float32Array(size));
    }
    const per = layout.heads * layout.tokens * layout.tokens;
    taps.forEach((t, k) => {
      if (r[t].length !== m * per) throw new Error(`attention map ${t} has ${r[t].length / m} values per input; ${taps[0]} has ${per}: the maps differ in shape`);
      maps[k].set(r[t], start * per);
      if (grads) grads[k].set(r[`grad:${t}`], start * per);
    });
    for (let i = 0; i < m; i++) values[start + i] = runner.target.value(r['logits'].subarray(i * runner.outSize, (i + 1) * runner.outSize), start + i);
  }
  return { taps, layout: layout!, maps, grads, values };
}
