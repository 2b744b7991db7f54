/**
 * ONNX models behind the Model contract, run by onnxruntime-node.
 *
 * Forward graphs and forward+backward graphs (built by graph/autodiff) are compiled
 * once per (batch size, outputs, wrt, rule set), cached (LRU), and released on dispose
 * (onnxRuntimeModel.ts; onnx-web.ts runs the same class on onnxruntime-web).
 */
import * as ort from 'onnxruntime-node';
import { availableParallelism } from 'node:os';
import type { Graph } from '../graph/ir.js';
import { loadOnnx } from '../graph/onnx.js';
import { OnnxRuntimeModel, type OnnxModelOptions, type OrtRuntime } from './onnxRuntimeModel.js';
import { registerKernelRuntime } from './kernels.js';

export { openSessionCount, type OnnxModelOptions } from './onnxRuntimeModel.js';

const nodeRuntime: OrtRuntime = {
  InferenceSession: ort.InferenceSession,
  Tensor: ort.Tensor,
  defaultThreads: availableParallelism(),
};
registerKernelRuntime(nodeRuntime);

export async function loadOnnxModel(source: string | Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  return new OnnxModel(loadOnnx(source), options);
}

export class OnnxModel extends OnnxRuntimeModel {
  constructor(graph: Graph, options: OnnxModelOptions = {}) {
    super(graph, options, nodeRuntime);
  }
}
