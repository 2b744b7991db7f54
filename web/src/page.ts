/**
 * What the page's views share: the compute worker, the page state (also window.__explorer,
 * which the browser tests read), status, errors and progress.
 */
import type { Catalogue } from '../../src/app/catalogue.js';
import type { ResolvedPreprocessing } from '../../src/io/preprocess.js';
import type { CurveView, PathPictures } from './protocol.js';
import { Compute } from './compute.js';
import { $ } from './draw.js';

export interface ModelEntry { id: string; name: string; url: string | null; inputShape: number[]; preprocessing: ResolvedPreprocessing; labels: string[] | null; images: Array<{ name: string; url: string }> }

/** A map computed on the page, as the tests read it back. */
export interface Computed { method: string; baseline: string; flags: Record<string, string>; target: number; input: Float32Array; values: Float32Array; shape: number[]; delta: number | null; ms: number; where: 'page' | 'server' }

export const compute = new Compute();
export const state = {
  catalogue: undefined as Catalogue | undefined,
  model: undefined as ModelEntry | undefined,
  /** Where the model runs: in the page's worker, or on the server (TensorFlow.js models). */
  where: 'page' as 'page' | 'server',
  /** The model's URL or dropped file (null: on the server). */
  source: null as string | Blob | null,
  /** The image file shown (sent to the server when the server computes). */
  image: undefined as Blob | undefined,
  input: undefined as Float32Array | undefined,
  target: 0,
  /** The path's pictures (drawn in the worker; the slider shows one column). */
  path: undefined as PathPictures | undefined,
  last: undefined as Computed | undefined,
  computed: 0,
  methodsGrid: [] as Array<Computed | { method: string; error: string }>,
  curves: [] as CurveView[],
  sag: undefined as { roots: number[][]; nodes: number; fullScore: number } | undefined,
};
(window as unknown as { __explorer: unknown }).__explorer = state;

export const status = (text: string): void => {
  $('status').textContent = text;
};

export function showError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  if (message === 'cancelled') {
    status('cancelled');
    return;
  }
  $('error').textContent = message;
  $('error').hidden = false;
}
export const clearError = () => ($('error').hidden = true);

export function progress(done: number, total: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.max = total;
  bar.value = done;
}

export const className = (k: number) => state.model?.labels?.[k] ?? `class ${k}`;
