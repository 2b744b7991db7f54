/**
 * How many examples an ONNX model should take per call, chosen from the memory its
 * activations need (unless the user sets a batch size).
 *
 * A gradient keeps every forward activation the backward rules read and adds a cotangent
 * of about the same size, so a call's peak grows with batch x (sum of activation sizes
 * of one example). Large models gain nothing from big batches on a CPU (convnext_tiny,
 * IG-64: 15.6 s and 4.85 GB at 16, 9.5 s and 0.92 GB at 1), small ones do (mobilenet_v2
 * forward+backward: ~1.6x faster per example at 16 than at 1). So the batch is as large as
 * fits in ACTIVATION_BUDGET_BYTES of activations, between 1 and MAX_BATCH: a 224 model
 * with 350 MB of activations per example (convnext_tiny, ViT-B/16, Swin-T) runs one
 * example at a time (under ~1-2 GB), resnet18 (22 MB) 11, mobilenet_v2 (50 MB) 5,
 * the small CNNs 16.
 *
 * Tiny models are the exception: a call of a 28 x 28 CNN is so short that the per-call work
 * (session dispatch, thread wake-up, the JS around it) weighs on every example. So a model
 * whose call of TINY_MAX_BATCH examples computes at most TINY_CALL_BYTES of activations
 * takes up to TINY_MAX_BATCH (the Fashion-MNIST CNN, 0.18 MB per example: forward 20.5 ->
 * 13 us per example from 16 to 64, input gradient 0.133 -> 0.108 ms; beyond 64 the forward
 * gains ~10% more and the gradient nothing). Models above 1 MB per example keep the rule
 * above (mobilenet_v2 5, resnet18 11, unchanged); onnxruntime gives the same values at any
 * batch above 1 (checked bitwise on the CNN and the tiny ViT), so only speed changes.
 */
import type { DType, Graph } from '../graph/ir.js';
import type { ShapeInfo } from '../graph/shapes.js';

/** Activation bytes one model call may hold (forward values of the whole batch). */
export const ACTIVATION_BUDGET_BYTES = 256 * 2 ** 20;
/** Largest default batch (beyond it CPU throughput stops improving), except for tiny models. */
export const MAX_BATCH = 16;
/** Largest default batch of a tiny model. */
export const TINY_MAX_BATCH = 64;
/** Activation bytes of a whole call up to which a model counts as tiny (16 MB). */
export const TINY_CALL_BYTES = 16 * 2 ** 20;

const BYTES: Partial<Record<DType, number>> = { float64: 8, int64: 8, uint64: 8, float32: 4, int32: 4, uint32: 4, float16: 2, bfloat16: 2, int16: 2, uint16: 2 };

/** Sum of the sizes of every tensor the nodes compute (constants excluded), for an example (info at batch 1). */
export function activationBytes(graph: Graph, info: ShapeInfo): number {
  let total = 0;
  for (const node of graph.nodes) {
    for (const out of node.outputs) {
      if (!out || info.constants.has(out)) continue;
      const shape = info.shapes.get(out);
      if (!shape) continue;
      total += shape.reduce((a, b) => a * b, 1) * (BYTES[info.dtypes.get(out) ?? 'float32'] ?? 1);
    }
  }
  return total;
}

/** The default batch for a model whose example needs `bytesPerExample` of activations. */
export function preferredBatchSize(bytesPerExample: number, budget = ACTIVATION_BUDGET_BYTES): number {
  if (!(bytesPerExample > 0)) return MAX_BATCH;
  const fits = Math.max(1, Math.min(MAX_BATCH, Math.floor(budget / bytesPerExample)));
  const tiny = Math.min(TINY_MAX_BATCH, Math.floor(Math.min(budget, TINY_CALL_BYTES) / bytesPerExample));
  return Math.max(fits, tiny);
}
