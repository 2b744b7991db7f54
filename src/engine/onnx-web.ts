/**
 * ONNX models in the browser: the same OnnxRuntimeModel (graph/ builds the forward and
 * gradient graphs) on onnxruntime-web's wasm backend. Bytes only: the page has no files.
 */
import * as ort from 'onnxruntime-web/wasm';
import { loadOnnx } from '../graph/onnx.js';
import { OnnxRuntimeModel, type OnnxModelOptions, type OrtRuntime } from './onnxRuntimeModel.js';

export { openSessionCount, type OnnxModelOptions } from './onnxRuntimeModel.js';

export interface WebModelOptions extends OnnxModelOptions {
  /** Where onnxruntime-web finds its .wasm/.mjs files (served by `saliency serve`). */
  wasmPaths?: string;
}

/** Wasm threads: up to 4 when the page is cross-origin isolated (SharedArrayBuffer), else 1. */
export function browserThreads(): number {
  return globalThis.crossOriginIsolated ? Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1)) : 1;
}

export async function loadOnnxWebModel(bytes: Uint8Array, options: WebModelOptions = {}): Promise<OnnxRuntimeModel> {
  const threads = options.threads ?? browserThreads();
  ort.env.wasm.numThreads = threads;
  if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
  const runtime: OrtRuntime = {
    InferenceSession: ort.InferenceSession,
    Tensor: ort.Tensor,
    defaultThreads: threads,
    sessionOptions: { executionProviders: ['wasm'] },
  };
  return new OnnxRuntimeModel(loadOnnx(bytes), { ...options, threads }, runtime);
}
