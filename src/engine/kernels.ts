/**
 * Small compute graphs (not models) run on the onnxruntime the ONNX engine loaded, for the
 * dense linear algebra JavaScript does slowly (Blur IG's blurs as matrix products: MLAS
 * GEMM is vectorised and multithreaded). engine/onnx.ts registers onnxruntime-node when it
 * is imported; where no runtime is registered (a process that never loaded the ONNX
 * engine, e.g. plain-function or TensorFlow.js models only, or the browser) `openKernel`
 * returns undefined and the caller keeps its JavaScript path. Each kernel is one
 * onnxruntime session, counted in openSessionCount() until `dispose()`.
 */
import type { Graph } from '../graph/ir.js';
import { saveOnnx } from '../graph/onnx.js';
import { countSession, type OrtRuntime, type OrtTensor } from './onnxRuntimeModel.js';

let registered: OrtRuntime | undefined;

/** Make `runtime` the one kernels run on (called by the engine module that loads it). */
export function registerKernelRuntime(runtime: OrtRuntime): void {
  registered = runtime;
}

export interface KernelTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface Kernel {
  /** Run the graph on float32 inputs; returns its float32 outputs by name. */
  run(feeds: Record<string, KernelTensor>): Promise<Record<string, Float32Array>>;
  /** Release the session (idempotent). */
  dispose(): Promise<void>;
}

/** A session for `graph` on the registered runtime, or undefined when there is none. */
export async function openKernel(graph: Graph, threads?: number): Promise<Kernel | undefined> {
  const rt = registered;
  if (!rt) return undefined;
  const session = await rt.InferenceSession.create(saveOnnx(graph), {
    ...rt.sessionOptions,
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads ?? rt.defaultThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  countSession(1);
  let open = true;
  return {
    async run(feeds) {
      if (!open) throw new Error('this kernel has been disposed');
      const tensors: Record<string, OrtTensor> = {};
      for (const [name, t] of Object.entries(feeds)) tensors[name] = new rt.Tensor('float32', t.data, t.dims);
      const out = await session.run(tensors);
      const result: Record<string, Float32Array> = {};
      for (const [name, t] of Object.entries(out)) result[name] = t.data as Float32Array;
      return result;
    },
    async dispose() {
      if (!open) return;
      open = false;
      await session.release();
      countSession(-1);
    },
  };
}
