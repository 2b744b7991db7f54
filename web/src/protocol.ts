/** Messages between the page (main.ts) and the compute worker (worker.ts). */
import type { Preprocessing } from '../../src/engine/space.js';

export type ToWorker =
  | { type: 'load'; bytes: ArrayBuffer; preprocessing: Preprocessing; wasmPaths: string }
  | { type: 'predict'; job: number; input: Float32Array }
  | { type: 'explain'; job: number; method: string; flags: Record<string, string>; baseline: string; input: Float32Array; target: number; seed: number }
  | { type: 'path'; job: number; baseline: string; input: Float32Array; target: number; grid: number; steps: number; seed: number };

import type { RgbaImage } from '../../src/viz/rgba.js';
import type { PathCurves } from '../../src/viz/pathPlots.js';

/** The path figure, drawn in the worker (src/viz pathFigure): one column per grid alpha. */
export interface PathPictures {
  alphas: number[];
  inputs: RgbaImage[];
  gradients: RgbaImage[];
  cumulative: RgbaImage[];
  curves: PathCurves;
}

export type FromWorker =
  | { type: 'loaded'; inputShape: number[]; outputShape: number[]; threads: number }
  | { type: 'progress'; job: number; done: number; total: number }
  | { type: 'prediction'; job: number; logits: Float32Array }
  | { type: 'result'; job: number; values: Float32Array; title: string; baseline: string; delta: number | null; fx: number | null; fBaseline: number | null; ms: number }
  | { type: 'path'; job: number; pictures: PathPictures }
  | { type: 'error'; job?: number; message: string };
