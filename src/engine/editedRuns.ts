/**
 * Model.runEdited for ONNX models: the outputs of the images that edits (a box and its
 * values) make from one base image, each edit applied to the base (independent) or to the
 * image the edits before it made (chained). With a worthwhile cut (incremental.ts) the
 * prefix runs on a crop around each box and the box's affected positions of the cut tensor T
 * are pasted into T of the image the edit applies to: the base's (independent) or the running
 * one (chained: T of image t is T of image t - 1 with box t's positions pasted, carried from
 * chunk to chunk); the suffix runs on the result. Otherwise the edited images are built chunk
 * by chunk and run in full. Memory: one chunk of crops and of T, one running image.
 */
import type { Graph } from '../graph/ir.js';
import { prefixGraph, suffixGraph, type LocalPrefix } from '../graph/localPrefix.js';
import { evenChunks, pasteAffected, planChunkedCrops } from './incremental.js';
import { checkEdits, copyCrop, writeEdit } from './imageEdits.js';
import { ModelInputError, sizeOfShape, type EditOptions, type ImageEdit, type RunAsk, type RunResult } from './model.js';
import type { OrtSession, OrtTensor } from './onnxRuntimeModel.js';

/** 'auto': when the cost model expects a gain; 'always': whenever a cut exists; 'never': full runs; { cut }: through that cut tensor always (measurements, tests). */
export type IncrementalMode = 'auto' | 'always' | 'never' | { cut: string };

/** What the driver needs from the model. */
export interface EditHost {
  readonly graph: Graph;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Edits per chunk unless the call says otherwise. */
  readonly batchSize: number;
  /** The local prefix of the graph, or undefined when the input is not an image [C, H, W]. */
  localPrefix(): LocalPrefix | undefined;
  readonly incremental: IncrementalMode;
  /** A cached session of the graph `build` makes (built once per key). */
  session(key: string, build: () => Graph): Promise<OrtSession>;
  tensor(data: Float32Array, dims: readonly number[]): OrtTensor;
  /** One example's value of an inner tensor (a full forward run, not reported as progress). */
  forwardTensor(example: Float32Array, tensor: string): Promise<Float32Array>;
  run(batch: Float32Array, ask: RunAsk): Promise<RunResult>;
  progress(examples: number): void;
}

/** The local prefix, restricted to the forced cut when the mode names one. */
function prefixFor(host: EditHost): LocalPrefix | undefined {
  const mode = host.incremental;
  const prefix = mode === 'never' ? undefined : host.localPrefix();
  if (!prefix || typeof mode !== 'object') return prefix;
  const cut = prefix.cuts.find((c) => c.tensor === mode.cut);
  if (!cut) throw new ModelInputError(`'${mode.cut}' is not a cut of the model's local prefix; the cuts: ${prefix.cuts.map((c) => c.tensor).join(', ')}`);
  return { ...prefix, cuts: [cut] };
}

export async function runEditedImages(host: EditHost, base: Float32Array, edits: readonly ImageEdit[], options: EditOptions = {}): Promise<Float32Array> {
  const shape = host.inputShape;
  checkEdits(shape, base, edits);
  const chained = options.chained ?? false;
  const batch = options.batchSize ?? host.batchSize;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new ModelInputError(`batchSize must be a positive integer, got ${batch}`);
  const outSize = sizeOfShape(host.outputShape);
  const result = new Float32Array(edits.length * outSize);
  if (edits.length === 0) return result;
  const [channels, height, width] = shape;
  const per = sizeOfShape(shape);
  const prefix = prefixFor(host);
  const boxes = edits.map((e) => e.box);
  const plan = prefix && planChunkedCrops(prefix, height, width, boxes, batch, host.incremental === 'auto' ? undefined : -Infinity);
  const running = chained ? Float32Array.from(base) : undefined; // the image edits 0 .. t made
  /** The image of edit t into dest's window (the whole image, or a crop). */
  const write = (t: number, dest: Float32Array, top: number, left: number, rows: number, cols: number) => {
    if (running) {
      writeEdit(running, channels, 0, 0, height, width, edits[t]);
      copyCrop(running, shape, top, left, rows, cols, dest);
    } else {
      copyCrop(base, shape, top, left, rows, cols, dest);
      writeEdit(dest, channels, top, left, rows, cols, edits[t]);
    }
  };
  if (!plan) {
    // no worthwhile cut: the edited images in full, one chunk at a time
    const chunks = evenChunks(edits.length, batch);
    const images = new Float32Array(Math.max(...chunks.map((c) => c.count)) * per);
    for (const { start, count } of chunks) {
      for (let k = 0; k < count; k++) write(start + k, images.subarray(k * per, (k + 1) * per), 0, 0, height, width);
      const r = await host.run(images.subarray(0, count * per), { outputs: ['logits'] });
      result.set(r['logits'], start * outSize);
    }
    return result;
  }
  const cut = plan.cut;
  const [prefixSession, suffixSession] = await Promise.all([
    // both graphs take any batch size (and the prefix any crop size): one session each per cut
    host.session(`prefix ${cut.tensor}`, () => prefixGraph(host.graph, host.inputName, cut.tensor)),
    host.session(`suffix ${cut.tensor}`, () => suffixGraph(host.graph, cut.tensor, cut.shape, [host.outputName])),
  ]);
  const baseCut = await host.forwardTensor(base, cut.tensor);
  const cutSize = sizeOfShape(cut.shape);
  const most = Math.max(...plan.chunks.map((c) => c.count));
  const patched = new Float32Array(most * cutSize);
  const crops = new Float32Array(Math.max(...plan.chunks.map((c) => c.count * c.rows.size * c.cols.size)) * channels);
  let before: Float32Array = baseCut; // T of the image the next edit applies to (chained: of the last edited image)
  const { rows: jr, cols: jc } = cut.geometry;
  for (const { start, count, rows, cols } of plan.chunks) {
    const cropSize = channels * rows.size * cols.size;
    for (let k = 0; k < count; k++) write(start + k, crops.subarray(k * cropSize, (k + 1) * cropSize), rows.origins[k], cols.origins[k], rows.size, cols.size);
    const feed = host.tensor(crops.subarray(0, count * cropSize), [count, channels, rows.size, cols.size]);
    const out = (await prefixSession.run({ [host.inputName]: feed }))[cut.tensor];
    const [, , cropRows, cropCols] = out.dims;
    const cropCut = out.data as Float32Array;
    const cropCutSize = cropCut.length / count;
    for (let k = 0; k < count; k++) {
      const dest = patched.subarray(k * cutSize, (k + 1) * cutSize);
      dest.set(before);
      pasteAffected(
        cropCut.subarray(k * cropCutSize, (k + 1) * cropCutSize), cropRows, cropCols, dest, cut.shape,
        { row: rows.origins[k] / jr.jump, col: cols.origins[k] / jc.jump },
        { fromRow: rows.from[k], toRow: rows.to[k], fromCol: cols.from[k], toCol: cols.to[k] },
      );
      if (chained) before = dest;
    }
    const fed = host.tensor(patched.subarray(0, count * cutSize), [count, ...cut.shape]);
    result.set((await suffixSession.run({ [cut.tensor]: fed }))[host.outputName].data as Float32Array, start * outSize);
    // the next chunk overwrites `patched`: keep the last image's T
    if (chained) before = Float32Array.from(before);
    host.progress(count);
  }
  return result;
}
