/** Messages between the page (main.ts) and the compute worker (worker.ts). */
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import type { RgbaImage } from '../../src/viz/rgba.js';
import type { PathCurves } from '../../src/viz/pathPlots.js';

/** What the page shows of a map, drawn in the worker (src/viz) and transferred, not copied. */
export interface MapPictures {
  signed: RgbaImage;
  heat?: RgbaImage;
  /** Only for maps of the input's size (layer-sized maps have none). */
  overlay?: RgbaImage;
}

/** The path figure, drawn in the worker (src/viz pathFigure): one column per grid alpha. */
export interface PathPictures {
  alphas: number[];
  inputs: RgbaImage[];
  gradients: RgbaImage[];
  cumulative: RgbaImage[];
  curves: PathCurves;
}

/** One evaluation curve (a metric from the registry run on the current map). */
export interface CurveView {
  metric: string;
  title: string;
  score: number;
  controlScore: number | null;
  x: number[];
  y: number[];
  control: number[] | null;
  svg: string;
}

/** A map computed on the server (POST /api/explain), fetched, parsed and drawn in the worker. */
export interface RemoteAnswer {
  title: string;
  predictions: Array<{ class: number; probability: number }>;
  input: Float32Array;
  values: Float32Array;
  shape: number[];
  delta: number | null;
  ms: number;
  pictures: MapPictures;
  picture: RgbaImage;
  /** The curve metrics asked for (`metrics=` in the query), evaluated by the server on this map. */
  curves: Array<Omit<CurveView, 'svg'> & { xLabel: string; yLabel: string }>;
}

export type ToWorker =
  | { type: 'load'; source: string | Blob; preprocessing: ResolvedPreprocessing | null; wasmPaths: string }
  | { type: 'image'; job: number; blob: Blob }
  | { type: 'predict'; job: number; input: Float32Array }
  | { type: 'remote'; job: number; query: string; image: Blob; inputShape: number[]; preprocessing: ResolvedPreprocessing; draw: 'all' | 'signed' }
  | { type: 'explain'; job: number; method: string; flags: Record<string, string>; baseline: string; input: Float32Array; target: number; seed: number; draw: 'all' | 'signed' }
  | { type: 'path'; job: number; baseline: string; input: Float32Array; target: number; grid: number; steps: number; seed: number }
  | { type: 'evaluate'; job: number; metric: string; options: Record<string, unknown>; input: Float32Array; values: Float32Array; target: number; seed: number }
  | { type: 'sag'; job: number; input: Float32Array; target: number; patches: number; threshold: number };

export type FromWorker =
  | { type: 'loaded'; inputShape: number[]; outputShape: number[]; threads: number; preprocessing: ResolvedPreprocessing }
  | { type: 'progress'; job: number; done: number; total: number }
  | { type: 'image'; job: number; input: Float32Array; picture: RgbaImage }
  | { type: 'prediction'; job: number; logits: Float32Array }
  | { type: 'remote'; job: number; answer: RemoteAnswer }
  | { type: 'result'; job: number; values: Float32Array; shape: number[]; title: string; baseline: string; delta: number | null; fx: number | null; fBaseline: number | null; ms: number; pictures: MapPictures }
  | { type: 'path'; job: number; pictures: PathPictures }
  | { type: 'curve'; job: number; curve: CurveView }
  | { type: 'sag'; job: number; svg: string; fullScore: number; roots: number[][]; nodes: number; ms: number }
  | { type: 'error'; job?: number; message: string };
